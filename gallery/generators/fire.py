"""Fire: the classic Doom-fire cellular automaton, mapped to " .:-=+*#%@".

Heat rises from a hot bottom row: every cell copies the heat of the cell below it,
loses a random amount and drifts a random step sideways, which makes flickering tongues.
The drawing softens each cell with its neighbours; at terminal resolution the raw
automaton looks like static, the softened one like flames.
"""

from __future__ import annotations

import random

from ._canvas import RAMP

# One rng call per cell per frame would dominate the run time, so the randomness comes
# from a fixed pool read at a different offset each row and frame.
_POOL_SIZE = 4099
_DECAYS = 4  # heat lost per row: 0..3
_SHIFTS = 3  # sideways drift: -1, 0, +1


def fire(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    # Rows lose 1.5 levels on average, so this many levels reach ~80% up the canvas.
    levels = max(6, round(height * 1.3))
    pool = [rng.randrange(_DECAYS * _SHIFTS) for _ in range(_POOL_SIZE + width)]
    decay = [value % _DECAYS for value in pool]
    shift = [value // _DECAYS for value in pool]  # 0..2, used as an index offset below

    # Rows are padded by one cell each side so sideways drift never needs a bounds check.
    source = [0] * (width + 2)
    for x in range(width):
        # Hot in the middle, cooler towards the edges: a bonfire rather than a wall.
        edge = min(x + 1, width - x) / max(1.0, width / 5)
        source[x + 1] = levels if edge >= 1 else round(levels * edge)
    # Start from the average flame (1.5 levels lost per row) rather than a cold grid, so
    # a short warm-up is enough even on tall canvases.
    heat = [
        [max(0, value - (3 * (height - 1 - y)) // 2) for value in source] for y in range(height)
    ]

    def step(offset: int) -> int:
        for y in range(1, height):
            below, above = heat[y], heat[y - 1]
            start = offset % _POOL_SIZE
            offset += 7 * width + 13
            cells = zip(
                range(1, width + 1),
                below[1 : width + 1],
                decay[start : start + width],
                shift[start : start + width],
                strict=True,
            )
            # Where drifts collide the last write wins; alternating the direction per
            # row stops that from blowing the whole fire to one side.
            for x, value, loss, drift in cells if y % 2 else reversed(list(cells)):
                above[x - 1 + drift] = value - loss if value > loss else 0
        # Embers at the base flicker too.
        start = offset % _POOL_SIZE
        bottom = heat[-1]
        for x in range(1, width + 1):
            bottom[x] = max(0, source[x] - (decay[start + x] == 0))
        return offset + width

    # Blurred heat sums weights 2 + 4 neighbours = 6 per level; precompute the mapping.
    top = len(RAMP) - 1
    char_for = [RAMP[min(top, total * top // (6 * levels))] for total in range(6 * levels + 1)]

    offset = rng.randrange(_POOL_SIZE)
    for _ in range(min(height, 20) + 8):  # warm up: the first frame already burns
        offset = step(offset)

    frames = []
    blank = [0] * (width + 2)
    for _ in range(frame_count):
        offset = step(offset)
        for row in heat:
            row[0] = row[-1] = 0  # drift may have written heat into the padding
        lines = []
        for y in range(height):
            row = heat[y]
            up = heat[y - 1] if y else blank
            down = heat[y + 1] if y + 1 < height else row
            lines.append(
                "".join(
                    [
                        char_for[2 * centre + left + right + above + below]
                        for centre, left, right, above, below in zip(
                            row[1:-1], row[:-2], row[2:], up[1:-1], down[1:-1], strict=True
                        )
                    ]
                )
            )
        frames.append("\n".join(lines))
    return frames
