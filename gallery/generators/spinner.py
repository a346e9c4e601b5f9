"""Spinner: a loading animation - a comet chasing round a ring, a label and a progress bar.

The progress bar fills exactly once over the animation and the comets do whole laps,
so it loops like a real loading screen. Small canvases get a classic |/-\\ spinner.
"""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, Canvas, cycles

_CLASSIC = "|/-\\"
_TAIL = "@@Oo:."  # head first


def _ring(cx: float, cy: float, radius: float) -> list[tuple[int, int]]:
    """Distinct cells round an ellipse, in order of angle (clockwise on screen)."""
    count = max(8, int(math.tau * radius * 1.6))
    cells: list[tuple[int, int]] = []
    for i in range(count):
        angle = math.tau * i / count - math.pi / 2
        cell = (round(cx + radius * ASPECT * math.cos(angle)), round(cy + radius * math.sin(angle)))
        if cell not in cells:
            cells.append(cell)
    return cells


def _bar(width: int, progress: float) -> str:
    inner = width - 2
    done = int(progress * inner)
    head = ">" if 0 < done < inner else ""
    return "[" + ("=" * max(0, done - len(head)) + head).ljust(inner) + "]"


def spinner(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    label = (text or "LOADING")[: max(1, width - 4)]
    # Reaching 100% on the last frame: the next loop starts again from 0.
    last = max(1, frame_count - 1)

    if height < 9 or width < 20:
        frames = []
        row = height // 2
        for frame in range(frame_count):
            canvas = Canvas(width, height)
            line = f"{_CLASSIC[frame % 4]} {label}{'.' * (frame // 3 % 4)}"
            if len(line) > width:
                line = _CLASSIC[frame % 4]
            canvas.text((width - len(line)) // 2, row, line)
            if height >= 3 and width >= 8:
                percent = f" {round(100 * frame / last):3d}%"
                bar = _bar(width - 2 - len(percent), frame / last) + percent
                canvas.text(1, row + 1, bar)
            frames.append(canvas.render())
        return frames

    radius = max(2.0, min((height - 5) / 2, width / ASPECT / 3))
    cx, cy = (width - 1) / 2, radius + 1
    outer = _ring(cx, cy, radius)
    inner = _ring(cx, cy, radius * 0.55) if radius >= 4 else []
    laps = cycles(frame_count, 1 / 24)
    label_row = min(height - 3, round(cy + radius) + 2)
    bar_width = min(width - 4, 50)
    bar_x = (width - bar_width) // 2
    style = rng.choice(("comet", "comet", "dots"))

    frames = []
    for frame in range(frame_count):
        canvas = Canvas(width, height)
        progress = frame / last
        turn = laps * frame / frame_count
        for ring, direction, tail in ((outer, 1, _TAIL), (inner, -1, "*+-")):
            if not ring:
                continue
            head = int(turn * len(ring) * direction) % len(ring)
            for x, y in ring:
                canvas.put(x, y, "." if style == "dots" else " ")
            span = max(len(tail), len(ring) // 3)
            for d in range(span):
                x, y = ring[(head - d * direction) % len(ring)]
                canvas.put(x, y, tail[min(len(tail) - 1, d * len(tail) // span)])
        dots = "." * (frame // 3 % 4)
        title = f"{label}{dots}".ljust(len(label) + 3)
        canvas.text((width - len(label) - 3) // 2, label_row, title)
        percent = f"{round(100 * progress):3d}%"
        canvas.text(bar_x, label_row + 1, _bar(bar_width - 5, progress) + " " + percent)
        frames.append(canvas.render())
    return frames
