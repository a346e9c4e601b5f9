"""Tunnel: flying down a twisting, checkered tube that fades into darkness.

The classic demo effect: each cell looks up a texture by (depth = 1 / radius, angle).
Both are precomputed once; a frame only shifts the texture, so it is cheap.
"""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, cycles, loop_phase

_BRIGHT = " .:-=+*#%@"
_DARK = "     ..::-"


def tunnel(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    cx, cy = (width - 1) / 2, (height - 1) / 2
    reach = max(1.0, min(cx / ASPECT, cy) if width > 2 and height > 2 else 1.0)
    sectors = rng.choice((8, 12, 16))
    depth_scale = rng.uniform(2.5, 3.5)  # rings per unit of reach / radius
    # Texture moves by whole tiles over the loop: forward (depth) and twisting (angle).
    forward = cycles(frame_count, 1 / 6) * 2
    twist = cycles(frame_count, 1 / 50) * 2 * rng.choice((-1, 1))
    # An even offset keeps texture coordinates positive, where int() equals floor().
    offset = 2 * (abs(twist) + 2)
    top = len(_BRIGHT) - 1

    cells = []
    for y in range(height):
        row = []
        for x in range(width):
            dx, dy = (x - cx) / ASPECT, y - cy
            r = math.hypot(dx, dy) / reach
            if r < 0.12:
                row.append(None)  # the vanishing point: always dark
                continue
            depth = depth_scale / r
            angle = (math.atan2(dy, dx) / math.tau + 0.5) * sectors
            # Walls close to us are bright; far down the tube it fades to black.
            shade = min(top, int(min(1.0, (r - 0.1) / 0.9) ** 0.8 * top + 0.5))
            row.append((depth, angle, shade))
        cells.append(row)

    frames = []
    for frame in range(frame_count):
        progress = frame / frame_count
        move = forward * progress
        turn = twist * progress
        # The twist also rocks back and forth over the loop, so the tube seems to writhe.
        sway = 0.8 * math.sin(loop_phase(frame, frame_count))
        lines = []
        for row in cells:
            chars = []
            for cell in row:
                if cell is None:
                    chars.append(" ")
                    continue
                depth, angle, shade = cell
                checker = (int(depth + move) + int(angle + turn + sway + offset)) & 1
                chars.append(_BRIGHT[shade] if checker else _DARK[shade])
            lines.append("".join(chars))
        frames.append("\n".join(lines))
    return frames
