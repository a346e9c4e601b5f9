"""Time the GIF, PNG and SVG exports of a 100-frame 80x24 artwork: drawn cold (a new
version: render and store), then served from the cache (look up and read the object).

Run: .venv/bin/python scripts/bench_exports.py   (results go in docs/benchmarks.md)
     .venv/bin/python scripts/bench_exports.py --scaling   (render time against size,
     no storage: where exports.raster.GIF_SYNC_MAX_CELLS comes from)

The artwork is an unsaved instance, and the default storage is a temporary folder, so
neither the database nor the bucket is touched.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from gallery import exports  # noqa: E402
from gallery.generators import generate  # noqa: E402
from gallery.models import Artwork  # noqa: E402

WIDTH, HEIGHT, FRAMES, RUNS = 80, 24, 100, 5


def random_frames(frames: int = FRAMES, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    """The worst case: no spaces to skip, no line ever repeated."""
    rng = random.Random(0)
    alphabet = [chr(code) for code in range(33, 127)]
    return [
        "\n".join("".join(rng.choices(alphabet, k=width)) for _ in range(height))
        for _ in range(frames)
    ]


def contents() -> dict[str, list[str]]:
    scenes = {
        scene: generate(scene, width=WIDTH, height=HEIGHT, frame_count=FRAMES, seed="bench")
        for scene in ("cube", "matrix", "fire")
    }
    return {**scenes, "random": random_frames()}


def measure(artwork: Artwork, fmt: str) -> tuple[float, float, int]:
    """(cold ms, cached ms, bytes) for one format."""
    # A new updated_at is a new version: nothing stored yet.
    artwork.updated_at += timedelta(seconds=1)
    start = time.perf_counter()
    name, _, _ = exports.cached_export(artwork, fmt)
    cold = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    name, _, _ = exports.cached_export(artwork, fmt)
    with default_storage.open(name, "rb") as stored:
        size = len(stored.read())
    cached = (time.perf_counter() - start) * 1000
    return cold, cached, size


# frames, width, height: from a short animation up to GIF_MAX_CELLS' neighbourhood.
SCALING_SIZES = [
    (25, 80, 24),
    (100, 80, 24),
    (200, 80, 24),
    (100, 120, 40),
    (100, 160, 48),
    (250, 100, 40),
    (500, 80, 50),
]


def best_ms(render, *args) -> float:
    """The best of two runs: the machine's speed, not its neighbours'."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        render(*args)
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def scaling() -> None:
    print(f"{'size':<12} {'cells':>9} {'content':<8} {'gif ms':>7} {'png ms':>7} {'svg ms':>7}")
    for frame_count, width, height in SCALING_SIZES:
        scenes = {
            "matrix": generate(
                "matrix", width=width, height=height, frame_count=frame_count, seed="bench"
            ),
            "random": random_frames(frame_count, width, height),
        }
        for label, frames in scenes.items():
            gif = best_ms(exports.render_gif, frames, width, height, 10)
            png = best_ms(exports.render_png, frames, width, height)
            svg = best_ms(exports.render_svg, frames, width, height, 10, "dark", "x")
            size = f"{frame_count}x{width}x{height}"
            cells = frame_count * width * height
            print(f"{size:<12} {cells:>9} {label:<8} {gif:>7.0f} {png:>7.0f} {svg:>7.0f}")


def main() -> None:
    if "--scaling" in sys.argv:
        scaling()
        return
    print(f"{FRAMES} frames at {WIDTH}x{HEIGHT}, median of {RUNS} runs")
    print(f"{'content':<8} {'format':<6} {'cold ms':>8} {'max ms':>8} {'cached ms':>10} {'KiB':>7}")
    with tempfile.TemporaryDirectory() as folder:
        storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        storage["OPTIONS"] = {"location": folder}
        with override_settings(STORAGES={"default": storage}):
            for label, frames in contents().items():
                artwork = Artwork(
                    public_id=f"bench-{label}",
                    prompt=f"bench {label}",
                    frames=frames,
                    width=WIDTH,
                    height=HEIGHT,
                    fps=10,
                    updated_at=timezone.now(),
                )
                for fmt in ("gif", "png", "svg"):
                    runs = [measure(artwork, fmt) for _ in range(RUNS)]
                    cold = [run[0] for run in runs]
                    cached = statistics.median(run[1] for run in runs)
                    print(
                        f"{label:<8} {fmt:<6} {statistics.median(cold):>8.1f} {max(cold):>8.1f}"
                        f" {cached:>10.2f} {runs[0][2] / 1024:>7.0f}"
                    )
                exports.delete_exports(artwork)


if __name__ == "__main__":
    main()
