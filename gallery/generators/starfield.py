"""Starfield: stars rushing towards the viewer, growing from . to + to * with warp streaks."""

from __future__ import annotations

import random

from ._canvas import Canvas, cycles, slope_char


def starfield(
    rng: random.Random, width: int, height: int, frame_count: int, text: str
) -> list[str]:
    cx, cy = (width - 1) / 2, (height - 1) / 2
    # Every star travels its depth once per cycle and comes back where it started, so a
    # whole number of cycles makes the animation loop without a seam.
    trips = cycles(frame_count, 1 / 60)
    speed = trips / frame_count
    stars = [
        (rng.uniform(-1, 1), rng.uniform(-1, 1), rng.random())
        for _ in range(max(4, min(3000, width * height // 6)))
    ]
    # At depth 1 the stars just cover the canvas; nearer ones spread out past its edges.
    scale_x, scale_y = max(cx, 0.5), max(cy, 0.5)

    frames = []
    for frame in range(frame_count):
        canvas = Canvas(width, height)
        travelled = speed * frame
        # Far stars first so near ones (drawn later) win any shared cell.
        placed = []
        for x, y, z0 in stars:
            z = (z0 - travelled) % 1.0
            if z < 0.03:
                continue
            placed.append((z, x, y))
        placed.sort(reverse=True)
        for z, x, y in placed:
            sx = cx + x / z * scale_x
            sy = cy + y / z * scale_y
            if not (0 <= sx < width and 0 <= sy < height):
                continue
            if z < 0.3:
                # Near stars move several cells a frame: draw where they came from.
                back = z + speed * 2.5
                px, py = cx + x / back * scale_x, cy + y / back * scale_y
                trail = slope_char(sx - px, sy - py)
                canvas.line(px, py, sx, sy, trail)
                canvas.put(sx, sy, "*" if z > 0.12 else "@")
            elif z < 0.6:
                canvas.put(sx, sy, "+")
            else:
                canvas.put(sx, sy, ".")
        frames.append(canvas.render())
    return frames
