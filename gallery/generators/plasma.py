"""Plasma: the demoscene sum-of-sines effect with a cycling character palette."""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, RAMP, cycles, loop_phase

# Up the ramp and back down, so palette cycling never jumps from "@" straight to " ".
_PALETTE = RAMP + RAMP[-2:0:-1]


def plasma(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    # Spatial frequencies relative to the canvas, so small and large canvases look alike.
    size = max(4.0, (width / ASPECT + height) / 2)
    kx = rng.uniform(7, 11) / size / ASPECT
    ky = rng.uniform(6, 10) / size
    kd = rng.uniform(4, 7) / size
    kr = rng.uniform(8, 12) / size
    phases = [rng.uniform(0, math.tau) for _ in range(4)]
    # Whole multiples of the loop phase keep every term periodic over the animation.
    m = [cycles(frame_count, rate) for rate in (1 / 90, 1 / 70, 1 / 110, 1 / 60)]
    shift_cycles = cycles(frame_count, 1 / 50)
    signs = [rng.choice((-1, 1)) for _ in range(4)]

    n = len(_PALETTE)
    scale = n * 1.3 / 8  # the value range (-4..4) spans a bit more than one palette cycle
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    # Distance from a fixed centre, quantised so the radial term is a table lookup.
    steps = 4
    radius = [
        [int(math.hypot((x - cx) / ASPECT, y - cy) * steps) for x in range(width)]
        for y in range(height)
    ]
    max_radius = max(max(row) for row in radius) + 1
    # The diagonal runs at 45 degrees on screen, i.e. x counts half as much as y.
    diagonal = [x // 2 for x in range(width)]
    # The palette repeated far enough that no index needs a modulo.
    reach = int(8 * scale + (shift_cycles + 1) * n) + 2
    palette = (_PALETTE * (reach // n + 2))[:reach]

    frames = []
    for frame in range(frame_count):
        t = loop_phase(frame, frame_count)
        a = [signs[i] * m[i] * t + phases[i] for i in range(4)]
        offset = 4 * scale + (shift_cycles * n * frame / frame_count) % n
        cols = [scale * math.sin(x * kx + a[0]) + offset for x in range(width)]
        rows = [scale * math.sin(y * ky + a[1]) for y in range(height)]
        diag = [scale * math.sin(d * kd + a[2]) for d in range(width + height)]
        radial = [scale * math.sin(r / steps * kr + a[3]) for r in range(max_radius)]
        lines = []
        for y in range(height):
            base = rows[y]
            ring = [radial[r] for r in radius[y]]
            slant = diag[y : y + width // 2 + 1]
            lines.append(
                "".join(
                    [
                        palette[int(c + base + slant[d] + r)]
                        for c, d, r in zip(cols, diagonal, ring, strict=True)
                    ]
                )
            )
        frames.append("\n".join(lines))
    return frames
