"""Colour contrast that axe checks page by page, checked here for every case at once:
the generated avatar colours (one per hue) and the danger colour of both themes. The
colours are read from site.css itself, so the test follows the stylesheet."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

from accounts.models import User

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "site.css").read_text()
AA = 4.5  # WCAG 2 AA for normal text


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an 8-bit sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def hsl_rgb(hue: float, saturation: float, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
    return round(r * 255), round(g * 255), round(b * 255)


def rule(selector: str) -> str:
    """The declarations of the first rule whose selector is exactly `selector`."""
    match = re.search(r"(?:^|[}\n])\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert match, f"no {selector} rule in site.css"
    return match.group(1)


def variable(block: str, name: str) -> tuple[int, int, int]:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,6}})", block)
    assert match, f"--{name} missing"
    return hex_rgb(match.group(1))


def test_initials_are_readable_on_every_generated_avatar_colour():
    avatar = rule(".avatar")
    hsl = r"background:\s*hsl\(var\(--hue[^)]*\)\s*([\d.]+)%\s+([\d.]+)%\)"
    background = re.search(hsl, avatar)
    text = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", avatar)
    assert background and text
    saturation, lightness = float(background.group(1)), float(background.group(2))
    worst = min(
        contrast(hex_rgb(text.group(1)), hsl_rgb(hue, saturation, lightness)) for hue in range(360)
    )
    assert worst >= AA, f"initials reach only {worst:.2f}:1 on the worst hue"


def test_avatar_hues_stay_in_the_range_checked_above():
    hues = {User(username=f"someone{n}").avatar_hue for n in range(2000)}
    assert hues <= set(range(360))
    assert len(hues) > 300  # and spread over it


def test_danger_text_is_readable_in_both_themes():
    light = rule(":root")
    dark = rule(':root[data-theme="dark"]')
    system_dark = re.search(r':root:not\(\[data-theme="light"\]\)\s*\{([^}]*)\}', CSS).group(1)
    for name, theme in [("light", light), ("dark", dark), ("system dark", system_dark)]:
        for background in ("bg", "surface"):
            ratio = contrast(variable(theme, "danger"), variable(theme, background))
            assert ratio >= AA, f"{name}: --danger on --{background} is {ratio:.2f}:1"


def test_danger_links_and_errors_use_the_theme_colour():
    assert "var(--danger)" in rule(".sidebar .danger-link")
    assert "var(--danger)" in rule(".error")
