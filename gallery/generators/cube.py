"""Cube: a rotating 3D cube in perspective, faces shaded by a light, edges drawn on top."""

from __future__ import annotations

import math
import random

from ._canvas import ASPECT, Canvas, cycles, loop_phase

_VERTICES = [(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]
# Faces as vertex indices in order around the face, with their outward normal.
_FACES = [
    ((0, 1, 3, 2), (-1, 0, 0)),
    ((4, 6, 7, 5), (1, 0, 0)),
    ((0, 4, 5, 1), (0, -1, 0)),
    ((2, 3, 7, 6), (0, 1, 0)),
    ((0, 2, 6, 4), (0, 0, -1)),
    ((1, 5, 7, 3), (0, 0, 1)),
]
_SHADES = ".:-=+*#%@"
_CAMERA = 5.0


def _rotate(
    point: tuple[float, float, float], ax: float, ay: float, az: float
) -> tuple[float, float, float]:
    x, y, z = point
    cos, sin = math.cos(ax), math.sin(ax)
    y, z = y * cos - z * sin, y * sin + z * cos
    cos, sin = math.cos(ay), math.sin(ay)
    x, z = x * cos + z * sin, -x * sin + z * cos
    cos, sin = math.cos(az), math.sin(az)
    x, y = x * cos - y * sin, x * sin + y * cos
    return x, y, z


def _fill(canvas: Canvas, polygon: list[tuple[float, float]], char: str) -> None:
    """Scanline fill of a convex polygon, sampling each cell at its centre."""
    ys = [p[1] for p in polygon]
    for row in range(
        max(0, math.ceil(min(ys) - 0.5)), min(canvas.height, math.floor(max(ys) - 0.5) + 1)
    ):
        yc = row + 0.5
        xs = []
        for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
            if (y0 <= yc < y1) or (y1 <= yc < y0):
                xs.append(x0 + (yc - y0) * (x1 - x0) / (y1 - y0))
        if len(xs) >= 2:
            line = canvas.rows[row]
            for col in range(
                max(0, math.ceil(min(xs) - 0.5)), min(canvas.width, math.floor(max(xs) - 0.5) + 1)
            ):
                line[col] = char


def cube(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    # Whole turns per loop on every axis, so the last frame flows into the first.
    spins = [cycles(frame_count, rate) * rng.choice((-1, 1)) for rate in (1 / 140, 1 / 90, 1 / 200)]
    tilt = [rng.uniform(0, math.tau) for _ in range(3)]
    # Unit vector towards the light: upper left and in front (the camera looks along +z).
    light = (-0.45, -0.6, -0.66)
    # The nearest corner projects to about 0.53 x size; keep it inside the canvas.
    size = min(width / ASPECT, height) / 2 / 0.53 * 0.9
    cx, cy = width / 2, height / 2
    wireframe_only = rng.random() < 0.25

    frames = []
    for frame in range(frame_count):
        t = loop_phase(frame, frame_count)
        angles = [tilt[i] + spins[i] * t for i in range(3)]
        points = [_rotate(v, *angles) for v in _VERTICES]
        screen = [
            (cx + x / (z + _CAMERA) * size * ASPECT, cy + y / (z + _CAMERA) * size)
            for x, y, z in points
        ]
        canvas = Canvas(width, height)
        visible_edges: set[tuple[int, int]] = set()
        hidden_edges: set[tuple[int, int]] = set()
        for indices, normal in _FACES:
            n = _rotate(normal, *angles)
            centre = [sum(points[i][k] for i in indices) / 4 for k in range(3)]
            # Facing the camera when the normal points back along the view ray.
            facing = n[0] * centre[0] + n[1] * centre[1] + n[2] * (centre[2] + _CAMERA) < 0
            edges = {tuple(sorted((indices[i], indices[(i + 1) % 4]))) for i in range(4)}
            if facing:
                visible_edges |= edges
                if not wireframe_only:
                    brightness = max(0.0, n[0] * light[0] + n[1] * light[1] + n[2] * light[2])
                    shade = _SHADES[min(len(_SHADES) - 1, int(brightness * len(_SHADES)))]
                    _fill(canvas, [screen[i] for i in indices], shade)
            else:
                hidden_edges |= edges
        if wireframe_only:
            for a, b in hidden_edges - visible_edges:
                canvas.line(*screen[a], *screen[b], ".")
        for a, b in visible_edges:
            canvas.line(*screen[a], *screen[b])
        for index, (x, y) in enumerate(screen):
            if any(index in edge for edge in visible_edges):
                canvas.put(x, y, "+")
        frames.append(canvas.render())
    return frames
