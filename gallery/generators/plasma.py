"""Plasma: the demoscene sum-of-sines effect with a cycling character palette."""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, RAMP, cycles, loop_phase

# Up the ramp and back down, so palette cycling never jumps from "@" straight to " ".
_PALETTE = RAMP + RAMP[-2:0:-1]


def plasma(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    size = max(width / ASPECT, height)
    # Spatial frequencies relative to the canvas, so small and large canvases look alike.
    kx = rng.uniform(5, 8) / size / ASPECT
    ky = rng.uniform(5, 8) / size
    kd = rng.uniform(3, 6) / size
    kr = rng.uniform(6, 10) / size
    phases = [rng.uniform(0, math.tau) for _ in range(4)]
    # Whole multiples of the loop phase keep every term periodic over the animation.
    m = [cycles(frame_count, rate) for rate in (1 / 90, 1 / 70, 1 / 110, 1 / 60)]
    shift_cycles = cycles(frame_count, 1 / 50)
    signs = [rng.choice((-1, 1)) for _ in range(4)]

    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    # Distance from a fixed centre, quantised so the radial term is a table lookup.
    radius_steps = 8
    radius = [
        [int(math.hypot((x - cx) / ASPECT, y - cy) * radius_steps) for x in range(width)]
        for y in range(height)
    ]
    max_radius = max(max(row) for row in radius) + 1
    diagonal_weight = 1 / ASPECT

    n = len(_PALETTE)
    scale = n * 1.3 / 8  # the value range (-4..4) spans a bit more than one palette cycle
    frames = []
    for frame in range(frame_count):
        t = loop_phase(frame, frame_count)
        a = [signs[i] * m[i] * t + phases[i] for i in range(4)]
        cols = [math.sin(x * kx + a[0]) for x in range(width)]
        rows = [math.sin(y * ky + a[1]) for y in range(height)]
        diag = [math.sin(d * kd + a[2]) for d in range(width + height)]
        radial = [math.sin(r / radius_steps * kr + a[3]) for r in range(max_radius)]
        offset = 4 * scale + shift_cycles * n * frame / frame_count
        lines = []
        for y in range(height):
            ry = rows[y]
            rr = radius[y]
            lines.append(
                "".join(
                    [
                        _PALETTE[int((cols[x] + ry + diag[int(x * diagonal_weight) + y] + radial[rr[x]]) * scale + offset) % n]
                        for x in range(width)
                    ]
                )
            )
        frames.append("\n".join(lines))
    return frames
