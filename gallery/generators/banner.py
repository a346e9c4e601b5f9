"""Banner: the given text (default "ASCII") scrolling past in a big block font.

The text bobs gently over a drifting star backdrop, with a drop shadow when there is
room. Canvases too small for the 5-line font get a plain one-line ticker instead.
"""

from __future__ import annotations

import math
import random

from . import font
from ._canvas import Canvas, cycles, loop_phase

DEFAULT_TEXT = "ASCII"
_SHADOW = "."


def _scroll_step(frame_count: int, length: int) -> float:
    """Cells per frame: a whole number of laps if that stays smooth, else one cell."""
    laps = cycles(frame_count, 1 / length)
    step = laps * length / frame_count
    return step if step <= 2.5 else 1.0


def _ticker(width: int, height: int, frame_count: int, text: str) -> list[str]:
    strip = text + " " * max(3, width - len(text))
    length = len(strip)
    start = (width - len(text)) // 2 if len(text) <= width else 0
    step = _scroll_step(frame_count, length)
    blank = " " * width
    row = height // 2
    frames = []
    for frame in range(frame_count):
        scroll = int(frame * step)
        line = "".join(strip[(x - start + scroll) % length] for x in range(width))
        frames.append("\n".join(line if y == row else blank for y in range(height)))
    return frames


def banner(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    text = text or DEFAULT_TEXT
    if height < font.HEIGHT or width < 8:
        return _ticker(width, height, frame_count, text)

    glyph_rows = font.render(text)
    # Double-size letters when the canvas is tall enough and short text still fits.
    if height >= 2 * font.HEIGHT + 7 and 2 * len(glyph_rows[0]) <= width - 4:
        glyph_rows = ["".join(char * 2 for char in row) for row in glyph_rows for _ in (0, 1)]
    letter_rows = len(glyph_rows)
    text_width = len(glyph_rows[0])
    length = max(text_width + 8, width)
    strip = [row.ljust(length) for row in glyph_rows]
    start = (width - text_width) // 2 if text_width <= width - 2 else 2
    step = _scroll_step(frame_count, length)

    shadow = height >= letter_rows + 1
    block = letter_rows + (1 if shadow else 0)
    top = (height - block) // 2
    rule = height >= 11
    margin = 1 if rule else 0  # rows kept free for the rules at the top and bottom
    bob_room = max(0, min(2, top - margin, height - block - top - margin))
    bob_cycles = cycles(frame_count, 1 / 40)
    # Stars only above and below the band the text bobs in, so letters stay legible.
    sky = [
        y
        for y in range(margin, height - margin)
        if not top - bob_room <= y < top + block + bob_room
    ]
    stars = [
        (rng.uniform(0, width), rng.choice(sky), rng.choice(".'.+"))
        for _ in range(width * len(sky) // 40 if sky else 0)
    ]
    # Stars drift at half the text speed: a cheap parallax that adds depth.
    star_step = step / 2

    frames = []
    for frame in range(frame_count):
        canvas = Canvas(width, height)
        scroll = int(frame * step)
        for x, y, char in stars:
            canvas.put((x - frame * star_step) % width, y, char)
        if rule:
            pattern = "-=" * (width // 2 + 2)
            shift = (frame // 2) % 2
            canvas.text(0, 0, pattern[shift : shift + width])
            canvas.text(0, height - 1, pattern[1 - shift : 1 - shift + width])
        bob = round(bob_room * math.sin(loop_phase(frame, frame_count) * bob_cycles))
        y0 = top + bob
        columns = [(x - start + scroll) % length for x in range(width)]
        if shadow:
            for row in range(letter_rows):
                source = strip[row]
                for x, column in enumerate(columns):
                    if source[column] != " ":
                        canvas.put(x + 1, y0 + row + 1, _SHADOW)
        for row in range(letter_rows):
            source = strip[row]
            line = canvas.rows[y0 + row]
            for x, column in enumerate(columns):
                char = source[column]
                if char != " ":
                    line[x] = char
        frames.append(canvas.render())
    return frames
