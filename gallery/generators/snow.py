"""Snow: flakes at three depths drifting in a gusty wind, piling up around pine trees."""

from __future__ import annotations

import math
import random

from ._canvas import TAU, Canvas, Ridge

# (char, fall speed, how much a landed flake adds to the drift)
_LAYERS = ((".", 0.18, 0.0), ("+", 0.3, 0.12), ("*", 0.45, 0.2))


def _tree(tiers: int) -> list[str]:
    """A pine: a star on top, stacked /___\\ tiers and a trunk."""
    width = 2 * tiers + 1
    lines = ["^".center(width)]
    lines += [("/" + "_" * (2 * tier + 1) + "\\").center(width) for tier in range(tiers)]
    lines.append("| |".center(width))
    return lines


def _drift_char(level: list[int], x: int) -> str:
    """Contour of the snow: slopes where a neighbour column is higher."""
    here = level[x]
    if x + 1 < len(level) and level[x + 1] > here:
        return "/"
    if x > 0 and level[x - 1] > here:
        return "\\"
    return "_"


def snow(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    has_ground = height >= 6
    max_level = max(1, height // 3)
    ridge = Ridge(rng, scale=max(4.0, width / 6), octaves=3)
    # Drift depth per column, in rows above the bottom row.
    depth = [1.2 + 1.0 * ridge(x) if has_ground else 0.0 for x in range(width)]

    # Tree cells as (x, y, char), trunks standing on the starting snow line.
    tree_cells: list[tuple[int, int, str]] = []
    if has_ground and height >= 10 and width >= 12:
        sprite = _tree(3 if height < 20 else 4)
        span = len(sprite[0])
        x = rng.randint(0, 6)
        while x + span <= width:
            base = height - 1 - int(depth[x + span // 2])
            for dy, line in enumerate(sprite):
                for dx, char in enumerate(line):
                    if char != " ":
                        tree_cells.append((x + dx, base - len(sprite) + 1 + dy, char))
            x += span + rng.randint(4, max(5, width // 4))

    flakes = []
    for _ in range(max(1, width * height // 18)):
        layer = rng.choices((0, 1, 2), weights=(4, 3, 2))[0]
        flakes.append(
            [
                rng.uniform(0, width),
                rng.uniform(-1, height),
                layer,
                rng.uniform(0, TAU),
                rng.uniform(0.8, 1.2),
            ]
        )

    gust_phase = rng.uniform(0, TAU)
    base_wind = rng.choice((-0.15, 0.0, 0.15, 0.25))
    frames = []
    for frame in range(frame_count):
        canvas = Canvas(width, height)
        wind = base_wind + 0.2 * math.sin(frame * 0.05 + gust_phase)
        level = [int(d) for d in depth]

        # Far flakes pass behind the trees, nearer ones in front of them.
        for flake in flakes:
            if flake[2] == 0:
                canvas.put(flake[0], flake[1], _LAYERS[0][0])
        for x, y, char in tree_cells:
            canvas.put(x, y, char)
        for flake in flakes:
            if flake[2] != 0:
                canvas.put(flake[0], flake[1], _LAYERS[flake[2]][0])

        for flake in flakes:
            x, y, layer, phase, jitter = flake
            char, speed, gain = _LAYERS[layer]
            # Each flake sways on its own sine on top of the shared wind.
            x += (wind * (layer + 1) / 2 + 0.25 * math.sin(phase + frame * 0.15)) * jitter
            y += speed * jitter
            column = int(x) % width
            surface = height - 1 - level[column] if has_ground else height
            if y >= surface or y >= height:
                if has_ground and gain and depth[column] < max_level:
                    depth[column] += gain
                x, y = rng.uniform(0, width), rng.uniform(-2, 0)
            flake[0], flake[1] = x % width, y

        if has_ground:
            # Snow settles: each column relaxes towards its neighbours, so drifts grow
            # as smooth mounds rather than spikes under busy columns.
            settled = depth[:]
            for x in range(width):
                left = depth[x - 1] if x else depth[x]
                right = depth[x + 1] if x + 1 < width else depth[x]
                settled[x] += 0.15 * ((left + right) / 2 - depth[x])
            depth = settled
            for x in range(width):
                top = height - 1 - level[x]
                for y in range(max(0, top + 1), height):
                    canvas.rows[y][x] = " "
                canvas.put(x, top, _drift_char(level, x))
            # Trunks stand on the snow line, until the drift buries them.
            for x, y, char in tree_cells:
                if y == height - 1 - level[x]:
                    canvas.put(x, y, char)
        frames.append(canvas.render())
    return frames
