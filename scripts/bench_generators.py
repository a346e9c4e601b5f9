"""Time every procedural scene: 100 frames at 80x24, the studio's common case.

Run: .venv/bin/python scripts/bench_generators.py   (results go in docs/benchmarks.md)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gallery.generators import SCENES, generate


def main() -> None:
    print(f"{'scene':<12} {'median ms':>10} {'max ms':>8}")
    for scene in sorted(SCENES):
        runs = []
        for attempt in range(5):
            start = time.perf_counter()
            generate(scene, width=80, height=24, frame_count=100, seed=f"bench-{attempt}")
            runs.append((time.perf_counter() - start) * 1000)
        print(f"{scene:<12} {statistics.median(runs):>10.1f} {max(runs):>8.1f}")


if __name__ == "__main__":
    main()
