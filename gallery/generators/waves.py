"""Waves: a sea of rolling wave trains under a sun, with glitter, gulls and a sailboat.

Rows nearer the viewer get longer, faster waves and heavier characters, which reads as
perspective. The waves, gulls and boat move by whole cycles over the animation, so it
loops seamlessly.
"""

from __future__ import annotations

import math
import random

from ._canvas import TAU, Canvas, cycles, loop_phase

_SUN = (
    ("   \\  |  /   ", "    .---.    ", "-- (`````) --", "    '---'    ", "   /  |  \\   "),
    ("    \\ | /    ", "    .---.    ", " - (`````) - ", "    '---'    ", "    / | \\    "),
)
_SMALL_SUN = (("\\|/", "-O-", "/|\\"), (" | ", "-O-", " | "))
_BOAT = ("    |\\     ", "    |`\\    ", "    |``\\   ", "  __|___\\__ ", "  \\```````/ ")
_SMALL_BOAT = (" |\\ ", " |_\\", "\\__/")


def waves(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    horizon = round(height * 0.4) if height >= 6 else 0
    water_rows = height - horizon
    # Per water row: wavenumber, loop-speed multiplier, phases and the characters used.
    rows = []
    for index in range(water_rows):
        near = (index + 1) / water_rows  # 0 at the horizon .. 1 at the bottom edge
        k = 0.9 - 0.65 * near
        speed = 0.15 + 0.5 * near  # cells per frame the row should roughly move
        m1 = cycles(frame_count, speed * k / TAU)
        m2 = cycles(frame_count, 0.4 * speed * k / TAU)
        if near < 0.25:
            chars = (".", "-")
        elif near < 0.6:
            chars = ("-", "~")
        else:
            chars = ("~", "^") if index % 2 else ("~", "~")
        rows.append(
            (k, m1, m2, rng.uniform(0, TAU), rng.uniform(0, TAU), chars, 0.55 - 0.25 * near)
        )

    big = height >= 14 and width >= 30
    sun = _SUN if big else _SMALL_SUN
    sun_w = len(sun[0][0])
    sun_x = rng.randint(width // 2, max(width // 2, width - sun_w - 2)) if width > sun_w else 0
    sun_y = max(0, horizon - len(sun[0]) - max(1, horizon // 4))
    glitter_lo, glitter_hi = sun_x + sun_w // 2 - 1, sun_x + sun_w // 2 + 1
    show_sun = horizon >= len(sun[0]) + 1 and width >= sun_w

    boat = _BOAT if big else _SMALL_BOAT
    boat_w, boat_h = len(boat[0]), len(boat)
    span = width + boat_w
    laps = cycles(frame_count, 0.2 / span)
    sailing = laps * span / frame_count <= 1.0
    boat_x0 = rng.uniform(0, span)
    boat_row = horizon + max(1, water_rows // 3)
    show_boat = horizon >= boat_h and water_rows >= 3 and width >= boat_w + 2

    gulls = [
        (rng.uniform(0, width), rng.randint(0, max(0, horizon - 3)), rng.uniform(0, TAU))
        for _ in range(rng.randint(1, 3) if horizon >= 5 and width >= 20 else 0)
    ]
    gull_laps = cycles(frame_count, 0.3 / max(1, width))

    frames = []
    for frame in range(frame_count):
        t = loop_phase(frame, frame_count)
        canvas = Canvas(width, height)
        if horizon:
            canvas.text(0, horizon - 1, "_" * width)
        if show_sun:
            canvas.sprite(sun_x, sun_y, sun[(frame // 6) % 2])
        for x, y, phase in gulls:
            gx = (x + gull_laps * width * frame / frame_count) % width
            flap = math.sin(t * 8 + phase) > 0
            canvas.put(gx, y, "v" if flap else "-")
            canvas.put(gx + 1, y, "v" if not flap else "-")

        for index, (k, m1, m2, p1, p2, (low, high), threshold) in enumerate(rows):
            y = horizon + index
            row = canvas.rows[y]
            a1, a2 = -t * m1 + p1, t * m2 + p2
            for x in range(width):
                v = 0.7 * math.sin(x * k + a1) + 0.3 * math.sin(x * k * 1.7 + a2)
                if v > threshold + 0.3:
                    row[x] = high
                elif v > threshold:
                    row[x] = low
                elif (
                    show_sun
                    and glitter_lo - index // 3 <= x <= glitter_hi + index // 3
                    and rng.random() < 0.3
                ):
                    # The sun's reflection: sparkles in a column that widens towards us.
                    row[x] = "=" if rng.random() < 0.5 else "-"

        if show_boat:
            if sailing:
                bx = (boat_x0 + laps * span * frame / frame_count) % span - boat_w
            else:
                bx = boat_x0 % max(1, width - boat_w)
            bob = 1 if math.sin(t * cycles(frame_count, 1 / 40)) > 0.3 else 0
            canvas.sprite(int(bx), boat_row - boat_h + 1 + bob, boat)
        frames.append(canvas.render())
    return frames
