"""The SVG export: each frame as text on the character grid of the PNG, played by CSS."""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from gallery.exports.raster import FONT_SIZE, grid
from gallery.exports.themes import DEFAULT_THEME, THEMES
from gallery.frames import split_lines

# The SVG names fonts a reader is likely to have; all of them are about 0.6 em wide.
SVG_FONT_STACK = (
    '"JetBrains Mono", ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas,'
    ' "Liberation Mono", monospace'
)


def _number(value: float) -> str:
    """A short decimal for SVG and CSS: 0.125, 14.5, 100."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def render_svg(
    frames: Sequence[str],
    width: int,
    height: int,
    fps: int,
    theme: str = DEFAULT_THEME,
    title: str = "",
) -> str:
    """An SVG that plays the frames with CSS alone, looping, so it animates where no
    script may run (a GitHub README, an <img>). Every frame is a <text> with a <tspan>
    per line; all but one are hidden at any time. Each frame runs the same animation,
    visible for the first 1/n of an n/fps second cycle, started i/fps seconds late.
    Readers who ask for reduced motion see the first frame only."""
    cell = grid(FONT_SIZE)
    canvas_width, canvas_height = cell.canvas(width, height)
    colours = THEMES[theme]
    count = max(len(frames), 1)
    cycle = count / fps
    style = [
        f"text{{font-family:{SVG_FONT_STACK};font-size:{cell.font_size}px;"
        f"fill:{colours.text};white-space:pre;font-variant-ligatures:none}}"
    ]
    if count > 1:
        style += [
            f".f{{visibility:hidden;animation:play {_number(cycle)}s step-end infinite}}",
            f"@keyframes play{{0%{{visibility:visible}}"
            f"{_number(100 / count)}%{{visibility:hidden}}}}",
            "@media (prefers-reduced-motion:reduce){.f{animation:none}.f0{visibility:visible}}",
        ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{canvas_width}"'
        f' height="{canvas_height}" viewBox="0 0 {canvas_width} {canvas_height}" role="img">',
        f"<title>{escape(_xml_text(title))}</title>" if title else "",
        f"<style>{''.join(style)}</style>",
        f'<rect width="100%" height="100%" fill="{colours.background}"/>',
    ]
    tops = [cell.padding + row * cell.line_height for row in range(height)]
    for index, frame in enumerate(frames):
        attributes = ' xml:space="preserve"'
        if count > 1:
            attributes += f' class="f f{index}" style="animation-delay:{_number(index / fps)}s"'
        # Nothing between the tags: under xml:space="preserve" it would be drawn.
        lines = "".join(
            f'<tspan x="{cell.padding}" y="{_number(top + cell.baseline)}">'
            f"{escape(line[:width].rstrip())}</tspan>"
            for top, line in zip(tops, split_lines(frame)[:height], strict=False)
        )
        parts.append(f"<text{attributes}>{lines}</text>")
    parts.append("</svg>\n")
    return "\n".join(part for part in parts if part)


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Without the characters XML 1.0 cannot hold (frames never contain them; a
    prompt from an old import might)."""
    return _NOT_XML.sub("", text)
