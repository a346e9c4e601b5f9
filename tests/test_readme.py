"""The README's layout section stays true: it names every module and package of the
project's apps, and names nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "config", "gallery", "moderation")
# Django's own plumbing in every app: not worth a line each.
PLUMBING = {"__init__.py", "apps.py", "migrations", "__pycache__", "wsgi.py"}


def layout_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index("## Layout") :]


def test_the_layout_names_every_module_of_the_apps():
    layout = layout_section()
    missing = [
        f"{app}/{entry.name}"
        for app in APPS
        for entry in sorted((ROOT / app).iterdir())
        if entry.name not in PLUMBING
        and (entry.suffix == ".py" or entry.is_dir())
        and not re.search(rf"\b{re.escape(entry.stem)}(\.py|/)", layout)
    ]
    assert missing == []


def test_the_layout_names_nothing_that_is_gone():
    named = re.findall(r"\b([a-z_]+(?:\.py|/))", layout_section())
    existing = {
        path.name + ("/" if path.is_dir() else "")
        for path in ROOT.rglob("*")
        if ".venv" not in path.parts and ".git" not in path.parts
    }
    assert [name for name in named if name not in existing] == []
