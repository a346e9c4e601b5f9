"""Fire: the classic Doom-fire cellular automaton over a bed of glowing logs.

Heat spreads upwards from a hot bottom row; each cell copies the heat below it, loses
a random bit and drifts sideways, which makes flickering tongues of flame.
"""

from __future__ import annotations

import random

from ._canvas import RAMP

# A fixed pool of random numbers, walked with a stride that changes every frame: far
# cheaper than one rng call per cell and just as flickery to the eye.
_POOL_SIZE = 4093


def fire(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    # Each row loses half a level on average, so `levels` sets how high flames reach.
    levels = max(6, round(height * 0.42))
    top = len(RAMP) - 1
    pool = [rng.randrange(4) for _ in range(_POOL_SIZE)]
    size = width * height
    heat = [0] * size
    logs = height >= 8 and width >= 10

    # The source is hotter in the middle and fades at the edges: a campfire, not a wall.
    source = []
    for x in range(width):
        edge = min(x + 1, width - x) / max(1, width / 5)
        source.append(levels if edge >= 1 else max(0, round(levels * edge)))
    bottom = (height - 1) * width
    heat[bottom:] = source

    def step(cursor: int) -> int:
        stride = pool[cursor % _POOL_SIZE] + 1
        for index in range(width, size):
            r = pool[cursor % _POOL_SIZE]
            cursor += stride
            below = heat[index]
            target = index - width - r + 1
            # Wrap sideways drift within the row above, so flames never tear at the edges.
            if target < index - width - (index % width) or target >= index - (index % width):
                target = index - width
            heat[target] = below - (r & 1) if below else 0
        return cursor

    cursor = rng.randrange(_POOL_SIZE)
    for _ in range(height + 5):  # warm up: the first frame already burns
        cursor = step(cursor)

    frames = []
    for frame in range(frame_count):
        cursor = step(cursor)
        # Embers in the bed flicker a little, which keeps the base alive.
        for x in range(width):
            if source[x] and pool[(cursor + x * 7) % _POOL_SIZE] == 0:
                heat[bottom + x] = max(1, source[x] - 1)
            else:
                heat[bottom + x] = source[x]
        lines = []
        for y in range(height):
            row = heat[y * width : (y + 1) * width]
            lines.append("".join(RAMP[min(top, value * top // levels)] for value in row))
        if logs:
            lines[-1] = _logs(width, lines[-1])
        frames.append("\n".join(lines))
    return frames


def _logs(width: int, flames: str) -> str:
    """Crossed logs under the hottest part of the bottom row."""
    bed = "==\\/==\\/==".center(width, " ")
    start = (width - 10) // 2
    return flames[:start] + bed[start : start + 10] + flames[start + 10 :]
