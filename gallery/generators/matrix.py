"""Matrix: columns of glyphs raining down, each led by a bright, flickering head."""

from __future__ import annotations

import random

from ._canvas import Canvas

_GLYPHS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$+-*/=%\"'#&_(),.;:?!\\|{}<>[]^~"
# Dense characters read as bright, so they make the heads; dots make the fading tails.
_HEADS = "@#$%&80WM"
_FADE = ":.."


class _Stream:
    __slots__ = ("head", "length", "speed", "x")

    def __init__(self, rng: random.Random, x: int, height: int, head: float) -> None:
        self.x = x
        self.head = head
        self.speed = rng.choice((0.35, 0.5, 0.5, 0.7, 1.0))
        self.length = rng.randint(max(3, height // 4), max(4, height))


def matrix(rng: random.Random, width: int, height: int, frame_count: int, text: str) -> list[str]:
    glyphs = [[rng.choice(_GLYPHS) for _ in range(width)] for _ in range(height)]
    streams = [
        _Stream(rng, x, height, rng.uniform(-height, height * 1.5))
        for x in range(width)
        # Leave a few columns dark so the rain has gaps, like the film.
        if rng.random() < 0.85
    ]
    changes = max(1, width * height // 25)

    frames = []
    for _ in range(frame_count):
        canvas = Canvas(width, height)
        # The glyphs themselves keep changing underneath the falling streams.
        for _ in range(changes):
            glyphs[rng.randrange(height)][rng.randrange(width)] = rng.choice(_GLYPHS)
        for index, stream in enumerate(streams):
            head = int(stream.head)
            x = stream.x
            for d in range(stream.length):
                y = head - d
                if y < 0:
                    break
                if y >= height:
                    continue
                if d == 0:
                    char = rng.choice(_HEADS)
                elif d >= stream.length - len(_FADE):
                    char = _FADE[d - (stream.length - len(_FADE))]
                else:
                    char = glyphs[y][x]
                canvas.rows[y][x] = char
            stream.head += stream.speed
            if head - stream.length >= height:
                streams[index] = _Stream(rng, x, height, rng.uniform(-height / 2, 0))
        frames.append(canvas.render())
    return frames
