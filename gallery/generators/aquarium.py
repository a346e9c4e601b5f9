"""Aquarium: fish swimming both ways, rising bubbles, swaying weed and a scuttling crab."""

from __future__ import annotations

import math
import random

from ._canvas import TAU, Canvas, cycles, loop_phase

# Right-facing fish; left-facing ones are mirrored. "`" is an opaque blank (see Canvas).
_SMALL_FISH = (("><>",), ("><)'>",), ("><))'>",), ("><(((('>",), ("><{{{o>",))
_BIG_FISH = (
    ("  __ ", "\\/`o\\", "/\\__/"),
    ("   _.--._ ", "\\/(`````o\\", "/\\`'-..__/"),
)
_MIRROR = str.maketrans("<>()[]{}/\\", "><)(][}{\\/")
_CRAB = "(\\/)(o,,o)(\\/)"
_CHEST = ("  ____  ", " /____\\ ", "|__[]__|", "|______|")


def _mirror(sprite: tuple[str, ...]) -> tuple[str, ...]:
    width = max(map(len, sprite))
    return tuple(line.ljust(width)[::-1].translate(_MIRROR) for line in sprite)


def _bubble(rng: random.Random, x: float, y: float) -> list[float]:
    # [x, y, big]: a third of the bubbles swell to "O" near the surface.
    return [x, y, float(rng.random() < 0.3)]


class _Fish:
    __slots__ = ("speed", "sprite", "x", "y")

    def __init__(
        self, rng: random.Random, width: int, top: int, bottom: int, big: bool, x: float
    ) -> None:
        sprite = rng.choice(_BIG_FISH if big else _SMALL_FISH)
        self.speed = rng.uniform(0.2, 0.7) * rng.choice((-1, 1))
        self.sprite = sprite if self.speed > 0 else _mirror(sprite)
        self.y = rng.randint(top, max(top, bottom - len(sprite) + 1))
        self.x = x

    @property
    def mouth(self) -> tuple[float, int]:
        width = len(self.sprite[-1])
        return (self.x + width if self.speed > 0 else self.x - 1), self.y + len(self.sprite) // 2


def aquarium(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    has_surface = height >= 4
    has_floor = height >= 5
    water_top = 1 if has_surface else 0
    water_bottom = height - 2 if has_floor else height - 1
    sand = "".join(rng.choice("..,_._.,'") for _ in range(width))

    weeds = [
        (rng.randrange(width), rng.randint(2, max(2, height // 3)), rng.uniform(0, TAU))
        for _ in range(max(1, width // 10) if height >= 8 else 0)
    ]
    chest_x = (
        rng.randint(0, max(0, width - len(_CHEST[0]))) if height >= 12 and width >= 40 else None
    )

    school = max(1, min(10, width * height // 220))
    fish = []
    for index in range(school):
        big = height >= 10 and width >= 30 and index % 4 == 3
        fish.append(_Fish(rng, width, water_top, water_bottom, big, rng.uniform(0, width)))
    quota = width * height // 150
    bubbles = [
        _bubble(rng, rng.uniform(0, width), rng.uniform(water_top, water_bottom + 1))
        for _ in range(quota)
    ]
    crab = (
        [rng.uniform(0, max(0, width - len(_CRAB))), rng.choice((-0.25, 0.25))]
        if width >= 30 and height >= 10
        else None
    )
    sway_cycles = cycles(frame_count, 1 / 30)

    frames = []
    for frame in range(frame_count):
        t = loop_phase(frame, frame_count) * sway_cycles
        canvas = Canvas(width, height)
        for x, tall, phase in weeds:
            for i in range(tall):
                # Alternating ( and ) whose pattern travels up the stem looks like swaying.
                canvas.put(x, water_bottom - i, "(" if math.sin(t + phase - i * 0.9) > 0 else ")")
        if chest_x is not None:
            canvas.sprite(chest_x, water_bottom - len(_CHEST) + 1, _CHEST)
            if frame % 7 == 0:
                bubbles.append(
                    _bubble(rng, chest_x + 3 + rng.random() * 2, water_bottom - len(_CHEST))
                )

        for bubble in bubbles:
            x, y, big = bubble
            # Bubbles grow as they rise (less pressure); only some get really big.
            rise = water_bottom - y
            canvas.put(x, y, "." if rise < 3 else "O" if big and rise > 6 else "o")
            bubble[0] = x + rng.choice((-0.3, 0, 0, 0.3))
            bubble[1] = y - 0.4
        bubbles = [b for b in bubbles if b[1] >= water_top]
        while len(bubbles) < quota:
            bubbles.append(_bubble(rng, rng.uniform(0, width), water_bottom + 0.5))

        for index, swimmer in enumerate(fish):
            canvas.sprite(math.floor(swimmer.x), swimmer.y, swimmer.sprite)
            if rng.random() < 0.04:
                bubbles.append(_bubble(rng, *swimmer.mouth))
            swimmer.x += swimmer.speed
            size = max(map(len, swimmer.sprite))
            if swimmer.x > width + 1 or swimmer.x < -size - 1:
                # Gone off one side: a new fish enters from the side it is heading from.
                big = len(swimmer.sprite) > 1
                fresh = _Fish(rng, width, water_top, water_bottom, big, 0)
                fresh.x = -len(fresh.sprite[0]) if fresh.speed > 0 else width
                fish[index] = fresh

        if crab is not None:
            canvas.text(
                int(crab[0]), water_bottom, _CRAB if frame % 4 < 2 else _CRAB.replace("/)", "|)")
            )
            crab[0] += crab[1]
            if not 0 <= crab[0] <= width - len(_CRAB):
                crab[1] = -crab[1]
                crab[0] += 2 * crab[1]
        if has_surface:
            canvas.text(0, 0, "".join("~" if (x + frame // 2) % 5 else "-" for x in range(width)))
        if has_floor:
            canvas.text(0, height - 1, sand)
        frames.append(canvas.render())
    return frames
