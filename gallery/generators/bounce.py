"""Bounce: balls under gravity bouncing around a box, each leaving a fading trail."""

from __future__ import annotations

import math
import random
from collections import deque
from itertools import pairwise

from ._canvas import Canvas

_HEADS = "O@0"
_TRAIL = "..::ooo"  # oldest to newest
_GRAVITY = 0.07


def bounce(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    boxed = width >= 8 and height >= 6
    # Playing field in cell coordinates, inside the frame when there is one.
    left, right = (1, width - 2) if boxed else (0, width - 1)
    ceiling, floor = (1, height - 2) if boxed else (0, height - 1)
    span_y = floor - ceiling

    balls = []
    for index in range(max(1, min(6, width * height // 400))):
        # Pick the top of each ball's arc, then start it somewhere on that arc with
        # matching speed: bounces are elastic, so every ball keeps its height forever.
        apex = ceiling + span_y * rng.uniform(0.0, 0.5)
        y = rng.uniform(apex, floor)
        vy = math.sqrt(2 * _GRAVITY * (y - apex)) * rng.choice((-1, 1))
        vx = rng.uniform(0.5, 1.1) * rng.choice((-1, 1))
        balls.append(
            [
                rng.uniform(left, right),
                y,
                vx,
                vy,
                _HEADS[index % len(_HEADS)],
                deque(maxlen=len(_TRAIL)),
            ]
        )

    frames = []
    for _ in range(frame_count):
        canvas = Canvas(width, height)
        if boxed:
            canvas.text(0, 0, "+" + "-" * (width - 2) + "+")
            for y in range(1, height - 1):
                canvas.put(0, y, "|")
                canvas.put(width - 1, y, "|")
            canvas.text(0, height - 1, "+" + "=" * (width - 2) + "+")
        for ball in balls:
            # Join consecutive positions: fast balls would otherwise leave dotted trails.
            points = [*ball[5], (round(ball[0]), round(ball[1]))]
            chars = _TRAIL[len(_TRAIL) - len(points) + 1 :]
            for ((x0, y0), (x1, y1)), char in zip(pairwise(points), chars, strict=True):
                canvas.line(x0, y0, x1, y1, char)
        for ball in balls:
            x, y, vx, vy, head, trail = ball
            landed = y >= floor - 0.5 and vy < 0
            canvas.put(round(x), round(y), "o" if landed else head)
            if landed and boxed:
                # A little puff of dust where it hits the floor.
                canvas.put(round(x) - 1, floor, ".")
                canvas.put(round(x) + 1, floor, ".")
            trail.append((round(x), round(y)))
            vy += _GRAVITY
            x += vx
            y += vy
            if x < left or x > right:
                vx = -vx
                x = 2 * left - x if x < left else 2 * right - x
            if y > floor:
                vy = -abs(vy)
                y = 2 * floor - y
            if y < ceiling:
                vy = abs(vy)
                y = 2 * ceiling - y
            ball[:5] = [min(max(x, left), right), min(max(y, ceiling), floor), vx, vy, head]
        frames.append(canvas.render())
    return frames
