"""Time what a creator's upload costs: checking it and drawing its thumbnail (the upload
request), and converting it to ASCII at 80 columns (the convert request, or its job).

Run: .venv/bin/python scripts/bench_conversion.py   (results go in docs/benchmarks.md)
     .venv/bin/python scripts/bench_conversion.py --scaling   (conversion time against
     decoded pixels: where conversion.INLINE_WORK_LIMIT comes from)

The images are made here with photo-like content (gradients, shapes and grain, so that
they compress like photos rather than like flat colour), and nothing is stored: the
storage's share of a request is a read of at most UPLOAD_MAX_BYTES.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from gallery.conversion import (  # noqa: E402
    INLINE_WORK_LIMIT,
    ConversionOptions,
    convert,
    estimated_work,
)
from gallery.files import inspect_image, thumbnail_of  # noqa: E402

RUNS = 5


def photo(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A picture that compresses like a photo: a sky gradient, shapes, blur and grain."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(width // 40 + 1, width // 6 + 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(image, grain, 0.15)


def jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    photo(size).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def gif(size: tuple[int, int], frames: int) -> bytes:
    """A camera pan over a photo, as GIFs made from video are."""
    scene = photo((size[0] * 2, size[1]))
    pictures = [
        scene.crop((x, 0, x + size[0], size[1])).quantize(64)
        for x in (index * size[0] // max(1, frames) for index in range(frames))
    ]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=50)
    return buffer.getvalue()


def timed(action, runs: int = RUNS) -> float:
    """The median of `runs`, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def upload_cost(data: bytes, name: str) -> float:
    def check() -> None:
        upload = SimpleUploadedFile(name, data)
        inspect_image(upload)
        thumbnail_of(upload)

    return timed(check)


def conversion_cost(data: bytes, **options) -> float:
    chosen = ConversionOptions(width=80, **options)
    return timed(lambda: convert(io.BytesIO(data), chosen))


def report() -> None:
    cases = [
        ("JPEG 1920x1080 (still)", jpeg((1920, 1080)), "photo.jpg", (1920, 1080, 1)),
        ("JPEG 4000x3000 (still)", jpeg((4000, 3000)), "photo.jpg", (4000, 3000, 1)),
        ("GIF 480x270, 100 frames", gif((480, 270), 100), "clip.gif", (480, 270, 100)),
        ("GIF 320x180, 100 frames", gif((320, 180), 100), "clip.gif", (320, 180, 100)),
    ]
    print(f"INLINE_WORK_LIMIT = {INLINE_WORK_LIMIT:,}\n")
    print("| image | bytes | upload check + thumbnail | convert, 80 columns | dithered |"
          " edges | work | where |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, data, name, (width, height, frames) in cases:
        work = estimated_work(width, height, frames, ConversionOptions(80))
        where = "request" if work <= INLINE_WORK_LIMIT else "job"
        print(
            f"| {label} | {len(data):,} | {upload_cost(data, name):.0f} ms"
            f" | {conversion_cost(data):.0f} ms | {conversion_cost(data, dither=True):.0f} ms"
            f" | {conversion_cost(data, edges=True):.0f} ms | {work:,} | {where} |"
        )


def scaling() -> None:
    """Conversion time of animations of growing decoded size (the worst per pixel: a
    GIF's every frame is decoded; a JPEG still is decoded at 1/8 scale)."""
    print("| GIF | frames | work at 80 columns | convert, 80 columns | edges, 300 columns |")
    print("|---|---:|---:|---:|---:|")
    for size, frames in [((320, 180), 50), ((480, 270), 100), ((640, 360), 100),
                         ((800, 450), 100), ((960, 540), 100), ((1280, 720), 60)]:  # fmt: skip
        data = gif(size, frames)
        work = estimated_work(*size, frames, ConversionOptions(80))
        plain = conversion_cost(data)
        heavy = timed(lambda d=data: convert(io.BytesIO(d), ConversionOptions(300, edges=True)), 3)
        print(f"| {size[0]}x{size[1]} | {frames} | {work:,} | {plain:.0f} ms | {heavy:.0f} ms |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scaling", action="store_true")
    if parser.parse_args().scaling:
        scaling()
    else:
        report()
