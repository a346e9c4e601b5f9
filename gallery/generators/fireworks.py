"""Fireworks: rockets rise over a city skyline and burst into fading, falling sparks."""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, Canvas

_GRAVITY = 0.035
_ROCKET_GRAVITY = 0.07  # rockets decelerate harder: they reach the top in ~20 frames
_DRAG = 0.9
# Sparks age through these characters, brightest first.
_PALETTES = ("@*+:.", "#*+-.", "Oo+:.", "%*=-.", "*+'..", "$*o:.")


class _Spark:
    __slots__ = ("age", "life", "palette", "vx", "vy", "x", "y")

    def __init__(self, x: float, y: float, vx: float, vy: float, life: int, palette: str) -> None:
        self.x, self.y, self.vx, self.vy = x, y, vx, vy
        self.age, self.life, self.palette = 0, life, palette


def _skyline(rng: random.Random, width: int, height: int) -> list[tuple[int, int, int]]:
    """Buildings as (left, width, height) along the bottom edge."""
    buildings = []
    x = rng.randint(-2, 1)
    while x < width:
        w = rng.randint(4, 9)
        buildings.append((x, w, rng.randint(2, max(2, height // 4))))
        x += w + rng.choice((0, 0, 1, 2))
    return buildings


def _draw_city(
    canvas: Canvas, buildings: list[tuple[int, int, int]], lit: set[tuple[int, int]]
) -> None:
    bottom = canvas.height - 1
    for left, w, h in buildings:
        top = bottom - h
        canvas.text(left + 1, top, "_" * (w - 2))
        for y in range(top + 1, bottom + 1):
            row = "|" + "".join(":" if (left + i, y) in lit else " " for i in range(1, w - 1)) + "|"
            canvas.text(left, y, row)


def fireworks(
    rng: random.Random, width: int, height: int, frame_count: int, text: str
) -> list[str]:
    city = height >= 12 and width >= 20
    buildings = _skyline(rng, width, height) if city else []
    windows = [
        (left + i, canvas_y)
        for left, w, h in buildings
        for canvas_y in range(height - h, height)
        for i in range(2, w - 2, 2)
    ]
    lit = {cell for cell in windows if rng.random() < 0.35}
    radius = max(2.0, min(height * 0.28, width / ASPECT * 0.28))

    rockets: list[list[float]] = []  # [x, y, vy, vx]
    sparks: list[_Spark] = []
    # Simulate a little before the first frame so the sky is already busy.
    warmup = 40
    next_launch = -warmup
    frames = []
    for frame in range(-warmup, frame_count):
        if frame >= next_launch and len(rockets) < 4:
            # Aim for a burst in the upper part of the sky.
            apex = rng.uniform(0.12, 0.45) * height
            start = height - 1
            vy = -math.sqrt(2 * _ROCKET_GRAVITY * max(1.0, start - apex))
            rockets.append(
                [rng.uniform(width * 0.1, width * 0.9), start, vy, rng.uniform(-0.15, 0.15)]
            )
            next_launch = frame + rng.randint(3, 11)

        canvas = Canvas(width, height)
        for spark in sparks:
            stage = spark.age * len(spark.palette) // spark.life
            # Old sparks twinkle: skip some frames at random.
            if stage < len(spark.palette) - 1 or rng.random() < 0.6:
                canvas.put(spark.x, spark.y, spark.palette[stage])
        for x, y, vy, vx in rockets:
            canvas.put(x - vx, y + 1.2, ".")
            canvas.put(x - vx / 2, y + 0.6, ":")
            canvas.put(x, y, "^" if vy < -0.5 else "'")
        if city:
            _draw_city(canvas, buildings, lit)
            if rng.random() < 0.3 and windows:
                lit ^= {rng.choice(windows)}  # someone switches a light on or off

        survivors = []
        for rocket in rockets:
            x, y, vy, vx = rocket
            if vy >= -0.1:
                palette = rng.choice(_PALETTES)
                count = rng.randint(20, 36) + int(radius * 2)
                ring = rng.random() < 0.25
                for i in range(count):
                    angle = math.tau * (i + rng.random() * 0.3) / count
                    speed = radius * (1 - _DRAG) * (1 if ring else rng.uniform(0.2, 1.05))
                    sparks.append(
                        _Spark(
                            x,
                            y,
                            math.cos(angle) * speed * ASPECT,
                            math.sin(angle) * speed,
                            rng.randint(14, 24),
                            palette,
                        )
                    )
                canvas.put(x, y, "*")
                continue
            rocket[:] = [x + vx, y + vy, vy + _ROCKET_GRAVITY, vx]
            survivors.append(rocket)
        rockets = survivors

        for spark in sparks:
            spark.x += spark.vx
            spark.y += spark.vy
            spark.vx *= _DRAG
            spark.vy = spark.vy * _DRAG + _GRAVITY * 0.5
            spark.age += 1
        sparks = [s for s in sparks if s.age < s.life and s.y < height]
        if frame >= 0:
            frames.append(canvas.render())
    return frames
