"""The colour themes an export can be drawn in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    background: str
    text: str


THEMES = {
    "dark": Theme(background="#111418", text="#d9e6d3"),
    "light": Theme(background="#f6f5f1", text="#1d1f23"),
}
DEFAULT_THEME = "dark"


def theme_named(name: str | None) -> str:
    """A known theme name: `name` if it is one, else the default (so odd query strings
    cannot create new cache objects)."""
    return name if name in THEMES else DEFAULT_THEME
