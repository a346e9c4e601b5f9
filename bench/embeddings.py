"""The similar-artworks benchmark of issue 14: the local provider's vectors for 100,000
artworks, the HNSW index over them, and the app's similar query against an exact scan.

    python -m bench.embeddings [--artworks N] [--queries 200] [--ef 10,20,40,80,160]
                               [--m 16] [--ef-construction 64] [--rebuild]

Steps: start (or join) the page benchmark's database in .data/bench-<N> (bench/pages.py;
loaded once by bench/loader.py: prompts from a Zipf vocabulary, frames from the
procedural scenes), embed every artwork without a local vector (the same functions as
the app; the look of a frame set shared by many artworks is computed once), COPY the
vectors in, build the HNSW index (timed; --rebuild builds it again, with --m and
--ef-construction), then for each hnsw.ef_search value run the app's similar query
(gallery.similarity.nearest_listed: listed artworks, same model, not itself, iterative
scan) for --queries public artworks, and report p50/p95 and recall@10 against the exact
answer (a sequential scan). A result tied with the exact 10th distance counts as a hit.
The Markdown report is printed, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from bench import pages

ROOT = Path(__file__).resolve().parent.parent
TIE = 1e-6  # distances within this of the exact 10th count as ties


def embed_missing(batch: int = 2000) -> tuple[int, float]:
    """Local vectors for every artwork without one, by COPY; (count, seconds)."""
    from django.db import connection
    from django.utils import timezone
    from pgvector.psycopg import register_vector

    from gallery.embeddings import LOCAL_MODEL, ArtworkText, LocalProvider

    provider = LocalProvider()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.prompt, a.style, md5(a.frames::text) FROM gallery_artwork a"
            " WHERE NOT EXISTS (SELECT 1 FROM gallery_artworkembedding e"
            " WHERE e.artwork_id = a.id AND e.model = %s) ORDER BY a.id",
            [LOCAL_MODEL],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0, 0.0
    # The loader draws frames from a pool: each distinct set's look is computed once,
    # from one pass over the table.
    looks: dict[str, list[float]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (md5(frames::text)) md5(frames::text), frames"
            " FROM gallery_artwork ORDER BY md5(frames::text)"
        )
        for digest, frames in cursor.fetchall():
            looks[digest] = provider.look_part(frames)
    print(f"  the look of {len(looks):,} distinct frame sets", flush=True)
    raw = connection.connection
    register_vector(raw)
    done = 0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY gallery_artworkembedding (artwork_id, model, embedding, source_digest,"
                " created_at) FROM STDIN WITH (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["int8", "varchar", "vector", "varchar", "timestamptz"])
            now = timezone.now()
            for pk, prompt, style, digest in chunk:
                words = provider.words_part(ArtworkText(prompt, style))
                vector = provider.combine(words, looks[digest])
                copy.write_row([pk, LOCAL_MODEL, vector, "", now])
        done += len(chunk)
        print(f"  embedded {done:,} of {len(rows):,}", flush=True)
    return done, time.perf_counter() - started


def build_index(m: int, ef_construction: int) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS embedding_by_cosine")
        cursor.execute("SET maintenance_work_mem = '2GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        cursor.execute(
            "CREATE INDEX embedding_by_cosine ON gallery_artworkembedding USING hnsw"
            f" (embedding vector_cosine_ops) WITH (m = {int(m)},"
            f" ef_construction = {int(ef_construction)})"
        )
        seconds = time.perf_counter() - started
        cursor.execute("VACUUM (ANALYZE) gallery_artworkembedding")
    return seconds


def index_exists() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'embedding_by_cosine'")
        return cursor.fetchone() is not None


def exact(vector, model: str, exclude: int) -> list[tuple[int, float]]:
    """The true 10 nearest listed artworks: the same query, the index switched off."""
    from django.db import connection, transaction

    from gallery.models import ArtworkEmbedding, Visibility

    rows = ArtworkEmbedding.objects.filter(model=model, artwork__visibility=Visibility.PUBLIC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        return list(
            rows.exclude(artwork_id=exclude)
            .nearest(vector, limit=10)
            .values_list("artwork_id", "distance")
        )


def recall(found: list[tuple[int, float]], truth: list[tuple[int, float]]) -> float:
    """Share of the 10 that are right; a result as near as the exact 10th counts."""
    if not truth:
        return 1.0
    tenth = truth[-1][1]
    right = {pk for pk, _ in truth}
    hits = sum(1 for pk, distance in found[: len(truth)] if pk in right or distance <= tenth + TIE)
    return hits / len(truth)


def measure(queries: int, ef_values: list[int], seed: int) -> list[dict]:
    from gallery.embeddings import LOCAL_MODEL
    from gallery.models import ArtworkEmbedding, Visibility
    from gallery.similarity import nearest_listed

    rng = random.Random(seed)
    public = list(
        ArtworkEmbedding.objects.filter(model=LOCAL_MODEL, artwork__visibility=Visibility.PUBLIC)
        .order_by("artwork_id")
        .values_list("artwork_id", flat=True)
    )
    chosen = rng.sample(public, min(queries, len(public)))
    vectors = dict(
        ArtworkEmbedding.objects.filter(model=LOCAL_MODEL, artwork_id__in=chosen).values_list(
            "artwork_id", "embedding"
        )
    )
    print(f"Exact answers for {len(chosen)} artworks (sequential scans)...", flush=True)
    truth = {pk: exact(vectors[pk], LOCAL_MODEL, pk) for pk in chosen}
    results = []
    for ef in ef_values:
        for pk in chosen[:20]:  # warm the index pages into memory
            nearest_listed(vectors[pk], LOCAL_MODEL, limit=10, exclude=pk, ef_search=ef)
        times, recalls = [], []
        for pk in chosen:
            started = time.perf_counter()
            found = nearest_listed(vectors[pk], LOCAL_MODEL, limit=10, exclude=pk, ef_search=ef)
            times.append((time.perf_counter() - started) * 1000)
            recalls.append(recall(found, truth[pk]))
        times.sort()
        results.append(
            {
                "ef": ef,
                "p50": statistics.median(times),
                "p95": times[int(len(times) * 0.95) - 1],
                "recall": statistics.mean(recalls),
                "worst": min(recalls),
            }
        )
        print(f"  ef_search={ef}: p50 {results[-1]['p50']:.1f} ms,"
              f" recall@10 {results[-1]['recall']:.3f}", flush=True)  # fmt: skip
    return results


def explain_similar() -> str:
    from django.db import connection

    from gallery.embeddings import LOCAL_MODEL
    from gallery.models import ArtworkEmbedding, Visibility
    from gallery.similarity import index_scan

    row = ArtworkEmbedding.objects.filter(model=LOCAL_MODEL).values_list("artwork_id", "embedding")[
        0
    ]
    rows = ArtworkEmbedding.objects.filter(
        model=LOCAL_MODEL, artwork__visibility=Visibility.PUBLIC
    ).exclude(artwork_id=row[0])
    with index_scan():
        sql, params = (
            rows.nearest(row[1], limit=4).values_list("artwork_id").query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = [line for (line,) in cursor.fetchall()]
    # The query vector is 1536 numbers: shorten it for the report.
    return "\n".join(line if len(line) < 200 else line[:160] + " ..." for line in lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artworks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", default="10,20,40,80,160")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)

    data_dir = ROOT / ".data" / f"bench-{args.artworks}"
    url = pages.start_database(data_dir, reuse=True)
    pages.set_up_django(pages.bench_environment(url, data_dir))
    pages.prepare_database(args.artworks, pages.loader.DEFAULT_SEED)
    count, seconds = embed_missing()
    if count:
        print(f"Embedded {count:,} artworks in {seconds:.0f} s.")
    build = None
    if args.rebuild or count or not index_exists():
        print(f"Building HNSW (m={args.m}, ef_construction={args.ef_construction})...")
        build = build_index(args.m, args.ef_construction)
        print(f"  built in {build:.1f} s")
    results = measure(args.queries, [int(v) for v in args.ef.split(",")], args.seed)
    print()
    built = f", built in {build:.1f} s" if build else ""
    print(
        f"HNSW m={args.m}, ef_construction={args.ef_construction}{built}; {args.queries} queries."
    )
    print()
    print("| hnsw.ef_search | p50 | p95 | recall@10 | worst query |")
    print("|---:|---:|---:|---:|---:|")
    for row in results:
        print(f"| {row['ef']} | {row['p50']:.1f} ms | {row['p95']:.1f} ms"
              f" | {row['recall']:.3f} | {row['worst']:.1f} |")  # fmt: skip
    print()
    print(explain_similar())


if __name__ == "__main__":
    main()
