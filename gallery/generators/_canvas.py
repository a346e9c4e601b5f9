"""Shared drawing helpers for the scene generators.

A Canvas is a fixed grid of characters; everything drawn outside it is clipped, so a
rendered frame is always exactly width x height no matter what a scene does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

TAU = 2 * math.pi

# Terminal cells are roughly twice as tall as they are wide; scenes multiply horizontal
# distances by this so circles look round.
ASPECT = 2.0

# Characters from empty to dense ink, so a brightness in [0, 1] can index them.
RAMP = " .:-=+*#%@"


class Canvas:
    """A width x height grid of single characters, clipped on every write."""

    __slots__ = ("height", "rows", "width")

    def __init__(self, width: int, height: int, fill: str = " ") -> None:
        self.width = width
        self.height = height
        self.rows = [[fill] * width for _ in range(height)]

    def put(self, x: float, y: float, char: str) -> None:
        col = math.floor(x)
        row = math.floor(y)
        if 0 <= col < self.width and 0 <= row < self.height:
            self.rows[row][col] = char

    def text(self, x: int, y: int, text: str, *, transparent: bool = False) -> None:
        """Write a string left to right; with transparent, spaces leave the cell alone.

        In transparent mode a "`" draws an opaque blank, so sprites can hide what is
        behind their insides (a sail in front of the sea).
        """
        if not 0 <= y < self.height:
            return
        row = self.rows[y]
        for offset, char in enumerate(text):
            col = x + offset
            if 0 <= col < self.width:
                if not transparent:
                    row[col] = char
                elif char != " ":
                    row[col] = " " if char == "`" else char

    def sprite(self, x: int, y: int, lines: Sequence[str], *, transparent: bool = True) -> None:
        for offset, line in enumerate(lines):
            self.text(x, y + offset, line, transparent=transparent)

    def line(self, x0: float, y0: float, x1: float, y1: float, char: str | None = None) -> None:
        """Bresenham line; without `char` the stroke follows the slope (- | / \\)."""
        # floor, like put(), so a line ends exactly where a put() at its end would go.
        x0, y0, x1, y1 = math.floor(x0), math.floor(y0), math.floor(x1), math.floor(y1)
        if char is None:
            char = slope_char(x1 - x0, y1 - y0)
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx = 1 if x0 < x1 else -1
        sy = 1 if y0 < y1 else -1
        err = dx + dy
        # Bresenham needs at most dx + |dy| steps; the bound also guards against bugs.
        for _ in range(dx - dy + 1):
            self.put(x0, y0, char)
            if x0 == x1 and y0 == y1:
                break
            doubled = 2 * err
            if doubled >= dy:
                err += dy
                x0 += sx
            if doubled <= dx:
                err += dx
                y0 += sy

    def render(self) -> str:
        return "\n".join(map("".join, self.rows))


def slope_char(dx: float, dy: float) -> str:
    """The stroke that best draws a segment going dx cells right and dy cells down."""
    if dx == 0 and dy == 0:
        return "."
    # Compare in "visual" units: a cell is about twice as tall as wide.
    vx, vy = abs(dx), abs(dy) * ASPECT
    if vy < vx * 0.4:
        return "-"
    if vy > vx * 2.5:
        return "|"
    return "\\" if (dx > 0) == (dy > 0) else "/"


def loop_phase(frame: int, frame_count: int) -> float:
    """Angle in [0, 2pi) that returns to its start after frame_count frames."""
    return TAU * frame / frame_count


def cycles(frame_count: int, per_frame: float) -> int:
    """Whole loops to fit in the animation so the speed stays near `per_frame` of a loop.

    Periodic scenes move by whole cycles over the animation, which makes the last frame
    flow seamlessly into the first; at least one cycle keeps short animations moving.
    """
    return max(1, round(frame_count * per_frame))


class Ridge:
    """A smooth random 1D function (sum of sines), for skylines, coasts and noise."""

    def __init__(self, rng: random.Random, scale: float, octaves: int = 4) -> None:
        self.terms = []
        amplitude, frequency = 1.0, 1.0 / scale
        for _ in range(octaves):
            # Irrational-ish frequency ratios keep the sum from looking periodic.
            self.terms.append((amplitude, frequency * rng.uniform(0.8, 1.25), rng.uniform(0, TAU)))
            amplitude *= 0.5
            frequency *= 2.1
        self.norm = sum(term[0] for term in self.terms)

    def __call__(self, x: float) -> float:
        """A value in [-1, 1]."""
        return sum(a * math.sin(x * f + p) for a, f, p in self.terms) / self.norm
