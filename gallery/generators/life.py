"""Life: Conway's Game of Life on a wrapping board, from a random soup.

Cells show their age (o young, O grown, @ old) and leave a brief "." when they die.
When the board settles down, a fresh splash of soup keeps it interesting.
"""

from __future__ import annotations

import random
from collections import Counter
from itertools import chain

from ._canvas import Canvas


def _neighbours(width: int, height: int) -> list[tuple[int, ...]]:
    table = []
    for y in range(height):
        for x in range(width):
            table.append(
                tuple(
                    ((y + dy) % height) * width + (x + dx) % width
                    for dy in (-1, 0, 1)
                    for dx in (-1, 0, 1)
                    if dx or dy
                )
            )
    return table


def _splash(rng: random.Random, width: int, height: int, alive: set[int]) -> None:
    """Sprinkle random soup over a patch of the board."""
    patch_w, patch_h = max(3, width // 3), max(3, height // 3)
    x0, y0 = rng.randrange(width), rng.randrange(height)
    for dy in range(patch_h):
        for dx in range(patch_w):
            if rng.random() < 0.4:
                alive.add(((y0 + dy) % height) * width + (x0 + dx) % width)


def life(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    neighbours = _neighbours(width, height)
    size = width * height
    alive = {index for index in range(size) if rng.random() < 0.32}
    age: dict[int, int] = dict.fromkeys(alive, 3)
    history: list[frozenset[int]] = []

    dying: set[int] = set()
    frames = []
    for _ in range(frame_count):
        canvas = Canvas(width, height)
        rows = canvas.rows
        # Cells that died in the last step linger as dots for one frame.
        for index in dying:
            rows[index // width][index % width] = "."
        for index in alive:
            a = age[index]
            rows[index // width][index % width] = "o" if a < 2 else "O" if a < 6 else "@"

        counts = Counter(chain.from_iterable(neighbours[index] for index in alive))
        born = {index for index, count in counts.items() if count == 3 and index not in alive}
        survivors = {index for index in alive if counts.get(index, 0) in (2, 3)}
        dying = alive - survivors
        alive = survivors | born
        age = {index: age.get(index, -1) + 1 for index in alive}

        # A board that is empty, frozen or blinking in place gets a new splash.
        snapshot = frozenset(alive)
        if len(alive) < size * 0.03 or snapshot in history:
            _splash(rng, width, height, alive)
            for index in alive:
                age.setdefault(index, 0)
            dying -= alive
            history.clear()
        history = [*history, snapshot][-4:]
        frames.append(canvas.render())
    return frames
