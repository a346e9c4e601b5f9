"""Rain: two depths of falling drops, splashes on the ground and the odd lightning bolt."""

from __future__ import annotations

import random

from ._canvas import Canvas


class _Drop:
    __slots__ = ("length", "near", "speed", "stop", "x", "y")

    def __init__(self, rng: random.Random, width: int, ground: int, y: float) -> None:
        self.x = rng.uniform(0, width)
        self.y = y
        self.near = rng.random() < 0.45
        if self.near:
            self.speed = rng.uniform(1.1, 1.7)
            self.length = rng.choice((2, 2, 3))
            self.stop = float(ground)
        else:
            # Far drops are slower, shorter and vanish just above the ground.
            self.speed = rng.uniform(0.5, 0.8)
            self.length = 1
            self.stop = ground - rng.uniform(0, 3)


def _bolt(rng: random.Random, width: int, bottom: int) -> list[tuple[int, int, str]]:
    """A jagged lightning path from the top edge, as (x, y, char) cells."""
    x = rng.randrange(width // 5, max(width // 5 + 1, width * 4 // 5))
    depth = rng.randint(bottom // 2, max(bottom // 2, bottom - 2))
    cells = []
    for y in range(depth):
        step = rng.choice((-1, -1, 0, 1, 1))
        char = "/" if step < 0 else "\\" if step > 0 else "|"
        # "/" descends to the left, so it is drawn in the new column; "\" descends to the
        # right, so it is drawn in the old one and the next row starts further right.
        if step < 0:
            x += step
        cells.append((x, y, char))
        if step > 0:
            x += step
    return cells


def rain(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    wind = rng.choice((0.0, 0.0, 0.35, -0.35))
    near_char = "|" if wind == 0 else ("\\" if wind > 0 else "/")
    far_char = ":" if wind == 0 else "."
    has_ground = height >= 4
    ground = height - 1 if has_ground else height
    storm = height >= 10 and width >= 10 and rng.random() < 0.6

    count = max(1, width * height // 16)
    # Start with drops spread over the whole sky so the first frame is already raining.
    drops = [_Drop(rng, width, ground, rng.uniform(-2, ground)) for _ in range(count)]
    splashes: list[list[int]] = []  # [x, age]
    puddle = [rng.random() < 0.25 for _ in range(width)]
    bolt: list[tuple[int, int, str]] = []
    bolt_left = 0
    next_bolt = rng.randint(8, 30)

    frames = []
    for frame in range(frame_count):
        canvas = Canvas(width, height)
        if has_ground:
            ground_row = ["_"] * width
            for x in range(width):
                if puddle[x]:
                    # Puddles shimmer: the ripple moves along them frame by frame.
                    ground_row[x] = "~" if (x + frame) % 3 == 0 else "-"
            canvas.rows[ground] = ground_row

        for index, drop in enumerate(drops):
            head = drop.y
            char = near_char if drop.near else far_char
            for tail in range(drop.length):
                y = head - tail
                if y < ground:
                    canvas.put(drop.x - wind * tail, y, char)
            drop.y += drop.speed
            drop.x += wind * drop.speed
            drop.x %= width
            if drop.y >= drop.stop:
                if drop.near and has_ground:
                    splashes.append([int(drop.x - wind * (drop.y - ground)) % width, 0])
                drops[index] = _Drop(rng, width, ground, rng.uniform(-3, 0))

        # The bolt is drawn over the rain: it is the brightest thing in the sky.
        if storm:
            if bolt_left == 0 and frame >= next_bolt:
                bolt = _bolt(rng, width, ground)
                bolt_left = rng.choice((2, 3))
                next_bolt = frame + rng.randint(15, 45)
            if bolt_left:
                for x, y, char in bolt:
                    canvas.put(x, y, char)
                bolt_left -= 1

        alive = []
        for splash in splashes:
            x, age = splash
            row = ground - 1
            if age == 0:
                canvas.put(x, row, ".")
            elif age == 1:
                canvas.put(x - 1, row, "'")
                canvas.put(x + 1, row, "'")
            else:
                canvas.put(x - 2, row, ".")
                canvas.put(x + 2, row, ".")
            splash[1] += 1
            if splash[1] < 3:
                alive.append(splash)
        splashes = alive
        frames.append(canvas.render())
    return frames
