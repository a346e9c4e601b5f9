"""Spiral: a tilted spiral galaxy with a bright core and turning arms among the stars.

Per cell the galaxy-plane radius and arm phase are computed once; turning the galaxy
is then a shift in a small lookup table, which keeps large canvases fast.
"""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, cycles

_RAMP = " .,:;-=+*#%@"
_STEPS = 64  # resolution of the arm-phase lookup table


def spiral(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    arms = rng.choice((2, 2, 3, 4))
    winding = rng.uniform(2.5, 4.0) * rng.choice((-1, 1))
    tilt = rng.uniform(0.45, 0.8)  # squash of the disc seen at an angle
    roll = rng.uniform(-0.4, 0.4)  # the disc's long axis is not quite horizontal
    cx, cy = (width - 1) / 2, (height - 1) / 2
    size = max(1.0, min(cx / ASPECT, cy / tilt) * 0.95)
    top = len(_RAMP) - 1
    # Arms are bright ridges: a sharpened cosine of the phase.
    arm_table = [((1 + math.cos(math.tau * i / _STEPS)) / 2) ** 3 for i in range(_STEPS)]
    turns = cycles(frame_count, 1 / 120)

    cells = []
    for y in range(height):
        for x in range(width):
            dx, dy = (x - cx) / ASPECT, y - cy
            # Undo the roll and tilt to find the point in the galaxy's own plane.
            u = dx * math.cos(roll) + dy * math.sin(roll)
            v = (-dx * math.sin(roll) + dy * math.cos(roll)) / tilt
            r = math.hypot(u, v) / size
            core = math.exp(-((r / 0.14) ** 2)) * 1.3
            disc = math.exp(-r / 0.4) * (1.0 if r < 1.1 else 0.0)
            phase = arms * math.atan2(v, u) - winding * math.log(max(r, 0.02))
            bin_ = math.floor(phase / math.tau * _STEPS) % _STEPS
            # Static grain makes the arms look like clumps of stars, not smooth paint.
            grain = rng.uniform(-0.12, 0.12)
            star = rng.random() < 0.015
            cells.append((core + grain * disc, disc * 1.5, bin_, star))

    frames = []
    for frame in range(frame_count):
        # Arms advance a whole arm spacing per turn, so the loop closes seamlessly.
        shift = int(turns * _STEPS * frame / frame_count)
        chars = []
        for base, disc, bin_, star in cells:
            value = base + disc * arm_table[(bin_ - shift) % _STEPS]
            if value < 0.06:
                chars.append("." if star else " ")
            else:
                index = int(value * top)
                chars.append(_RAMP[top if index > top else index])
        frames.append("\n".join("".join(chars[y * width : (y + 1) * width]) for y in range(height)))
    return frames
