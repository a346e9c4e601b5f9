"""How `manage.py import_convex` grows with the snapshot: peak memory and speed for
snapshots of increasing size, each imported by its own process.

Run: .venv/bin/python scripts/bench_convex_import.py [--artworks 2000,10000,40000]
(results go in docs/benchmarks.md). It uses the page benchmark's embedded PostgreSQL in
.data/bench-import (created and migrated when missing; each size gets its own ids, so
runs never update one another) and writes the snapshots to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402

T0 = "2025-03-01T10:00:00.000Z"


def write_snapshot(path: Path, artworks: int, tag: str) -> None:
    """`artworks` artworks by artworks/50 users, a collection and a share per user,
    written line by line (the snapshot itself never sits in memory)."""
    users = max(1, artworks // 50)
    frames = [("." * 40 + "\n") * 11 + "o" * 40, ("*" * 40 + "\n") * 11 + "o" * 40]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("users/documents.jsonl", "w") as out:
            for u in range(users):
                out.write(json.dumps({"_id": f"{tag}u{u}", "clerkId": f"user_{tag}{u}",
                                      "email": f"{tag}{u}@bench.example", "createdAt": T0,
                                      "updatedAt": T0}).encode() + b"\n")  # fmt: skip
        with archive.open("artworks/documents.jsonl", "w") as out:
            for a in range(artworks):
                out.write(json.dumps({
                    "_id": f"{tag}a{a}", "userId": f"user_{tag}{a % users}",
                    "prompt": f"rain over the harbour number {a}", "frames": frames,
                    "metadata": {"width": 40, "height": 12, "fps": 10, "generator": "manual",
                                 "model": "", "createdAt": T0},
                    "visibility": "public", "likes": a % 7, "views": a % 31,
                    "createdAt": T0, "updatedAt": T0,
                }).encode() + b"\n")  # fmt: skip
        with archive.open("collections/documents.jsonl", "w") as out:
            for u in range(users):
                ids = [f"{tag}a{a}" for a in range(u, min(artworks, u + 500), users)][:10]
                out.write(json.dumps({"_id": f"{tag}c{u}", "userId": f"{tag}u{u}",
                                      "name": f"Shelf {u}", "artworkIds": ids,
                                      "visibility": "public", "createdAt": T0,
                                      "updatedAt": T0}).encode() + b"\n")  # fmt: skip
        with archive.open("shares/documents.jsonl", "w") as out:
            for u in range(users):
                out.write(json.dumps({"_id": f"{tag}s{u}", "artworkId": f"{tag}a{u}",
                                      "shareCode": f"{tag}{u}".ljust(24, "k"), "viewCount": 0,
                                      "createdAt": T0}).encode() + b"\n")  # fmt: skip


def import_once(snapshot: Path, env: dict[str, str], report: Path) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one `import_convex` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_convex", str(snapshot), "--report", str(report)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        sys.exit(f"import_convex failed ({status}) on {snapshot}")
    return seconds, usage.ru_maxrss // 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artworks", default="2000,10000,40000")
    args = parser.parse_args(argv)
    data_dir = ROOT / ".data" / "bench-import"
    url = pages.start_database(data_dir, reuse=True)
    env = pages.bench_environment(url, data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    print("| artworks | users | snapshot | import | per artwork | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(value) for value in args.artworks.split(",")):
            tag = f"r{int(time.time())}x{size}"
            snapshot = Path(folder) / f"{tag}.zip"
            write_snapshot(snapshot, size, tag)
            seconds, rss = import_once(snapshot, env, Path(folder) / "report.csv")
            print(f"| {size:,} | {max(1, size // 50):,} | {snapshot.stat().st_size // 1024:,} KB"
                  f" | {seconds:.0f} s | {seconds / size * 1000:.2f} ms | {rss} MB |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
