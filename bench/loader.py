"""Fill a database with a realistic gallery, fast, for the load benchmark (issue 12).

    python -m bench.loader --artworks 100000 [--million] [--seed 12] [--workers 2]

loads into Django's default database (DATABASE_URL, else the embedded server);
`bench/pages.py` calls `load()` on a database of its own. What it writes:

- a pool of frame sets drawn once from the procedural scenes (10-60 frames of 40-80
  columns and 10-30 lines; about 2,000 sets, fewer for small loads), reused by the rows;
- public artworks whose prompts mix a scene's name with words drawn from a vocabulary
  of 5,000 (real words first, then made-up ones) with a Zipf frequency, so that a few
  words are in most prompts and most words in very few; counters skewed (Pareto), dates
  spread over the last year, one in 200 featured;
- a few thousand owners with a skewed share each, and one, `prolific`, with 10,000
  artworks (a tenth of the load when that is less);
- one public collection of 24 artworks and one live share link (no limit, no expiry).

Counters (likes_count, views_count) are set directly: there are no Like or view rows.
Rows go in with COPY, on one connection per core (the server's compression of the
frames is the bottleneck): 100,000 in about a minute and a half on 2 cores. Nothing is
dropped or truncated, a second load appends (its ids and names differ), and ANALYZE
runs at the end. The same seed on the same database gives the same rows.

The loader reads the tables' columns when it runs, so it also fills columns a later
schema adds when it knows them (`poster_frame`, `frame_count`; not when the database
generates them), and stops with a message naming any other NOT NULL column without a
default.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import itertools
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import django
import psycopg
from django.db import connection as default_connection

from gallery.generators import SCENES, generate

DEFAULT_SEED = 12
DEFAULT_ARTWORKS = 100_000
MILLION = 1_000_000

POOL_SIZE = 2_000
FRAMES = (10, 60)
WIDTHS = (40, 80)
HEIGHTS = (10, 30)
FPS_CHOICES = (6, 8, 10, 12, 15, 20, 24)

PROLIFIC = "prolific"
PROLIFIC_ARTWORKS = 10_000
COLLECTION_NAME = "Bench picks"
COLLECTION_SIZE = 24
SHARE_PREFIX = "bench"
VOCABULARY_SIZE = 5_000
ZIPF_EXPONENT = 1.0
# About 17 prompts in 100,000 hold the word of this rank (170 in a million).
RARE_RANK = 4_000
FEATURED_SHARE = 0.005
DAYS = 365
BATCH = 10_000

# Real words, most common first: the top of the Zipf ranking. Scene words among them
# (rain, snow, star, ocean, fire...) make the procedural scenes react as they would.
_REAL_WORDS = """
night city neon rain star ocean forest dream fire light dark blue retro tiny cat
space moon robot ghost glow storm snow river garden mountain machine wave sunset
slow cosmic ancient bright quiet wild golden pixel winter summer dragon castle
forgotten electric crystal shadow hidden broken little giant floating falling
spinning dancing burning melting frozen endless lonely happy angry sleepy curious
train bridge tower window street market harbor lighthouse island desert cave
valley meadow lake cloud thunder lightning fog mist breeze dust smoke ember
flame spark comet planet galaxy nebula orbit rocket satellite station signal
radio terminal console screen circuit server network glitch matrix code data
clock gear engine motor wheel lantern candle mirror door key map compass
bird fish whale owl fox wolf bear rabbit deer horse butterfly bee snail frog
flower tree leaf root seed moss fern mushroom vine blossom petal thorn cactus
coffee tea bread apple cherry lemon honey sugar candy cake soup noodle pizza
music song drum guitar piano violin bell whistle echo silence voice whisper
journey voyage escape return arrival departure festival parade carnival party
morning evening midnight dawn dusk twilight autumn spring season weather
memory secret mystery riddle puzzle legend story poem letter diary book
paper ink brush canvas sketch painting statue mosaic pattern spiral circle
square triangle cube sphere prism tunnel maze labyrinth portal gate stair
ship boat submarine balloon kite airplane bicycle car truck bus subway tram
"""
REAL_WORDS = _REAL_WORDS.split()


@dataclass(frozen=True)
class FrameSet:
    """One animation of the pool, already escaped for COPY's text format."""

    scene: str
    width: int
    height: int
    count: int
    frames: bytes  # the JSON list
    poster: bytes  # the first frame


@dataclass
class Report:
    artworks: int
    users: int
    frame_sets: int
    prolific: str
    collection: str
    share: str
    seconds: float


@dataclass(frozen=True)
class Targets:
    """The URLs' variable parts the page benchmark needs, read back from a database."""

    artwork: str
    collection: str
    share: str
    profile: str
    common_word: str
    rare_word: str


class LoaderError(RuntimeError):
    """The database cannot be filled as asked; the message says why."""


# --- Words ---------------------------------------------------------------------------

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"]
_ONSETS += ["br", "dr", "gl", "kr", "pl", "st", "tr", "sk"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
_CODAS = ["", "", "n", "r", "l", "s", "m", "x"]


def vocabulary() -> list[str]:
    """VOCABULARY_SIZE distinct words in Zipf rank order: the real words, then
    made-up ones of two or three syllables. The same on every run."""
    rng = random.Random("bench-vocabulary")
    words = list(dict.fromkeys(REAL_WORDS))
    seen = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice((2, 2, 3)))
        )
        if len(word) >= 5 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def common_word() -> str:
    return vocabulary()[0]


def rare_word() -> str:
    return vocabulary()[RARE_RANK - 1]


def zipf_weights(size: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative weights of ranks 1..size for random.choices(cum_weights=...)."""
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, size + 1)))


# --- COPY's text format -----------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
NULL = b"\\N"


def copy_text(value: str) -> bytes:
    return value.translate(_COPY_ESCAPES).encode()


def copy_time(moment: datetime) -> bytes:
    return moment.isoformat().encode()


# --- Columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    not_null: bool
    has_default: bool
    identity: bool
    generated: bool


def table_columns(cursor, table: str) -> list[Column]:
    cursor.execute(
        """
        SELECT attname, attnotnull, atthasdef, attidentity <> '', attgenerated <> ''
        FROM pg_attribute
        WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
        ORDER BY attnum
        """,
        [table],
    )
    return [Column(*row) for row in cursor.fetchall()]


def columns_to_fill(cursor, table: str, known: Iterable[str]) -> list[str]:
    """The columns of `table` the loader writes: those it knows, in table order. Any
    other column must fill itself (nullable, a default, identity or generated)."""
    known = set(known)
    columns = table_columns(cursor, table)
    if not columns:
        raise LoaderError(f"The table {table} has no columns: run the migrations first.")
    unknown = [
        column.name
        for column in columns
        if column.name not in known
        and column.not_null
        and not (column.has_default or column.identity or column.generated)
    ]
    if unknown:
        raise LoaderError(
            f"{table} has NOT NULL columns without a default that bench/loader.py does"
            f" not know how to fill: {', '.join(unknown)}. Teach the loader a realistic"
            " value for each (see ARTWORK_COLUMNS and the row builders)."
        )
    return [column.name for column in columns if column.name in known and not column.generated]


ARTWORK_COLUMNS = {
    "public_id", "owner_id", "prompt", "frames", "width", "height", "fps", "generator",
    "model", "style", "visibility", "featured", "remixed_from_id", "likes_count",
    "views_count", "created_at", "updated_at",
    # Filled when a later schema has them: what a card shows, stored on save.
    "poster_frame", "frame_count",
}  # fmt: skip
USER_COLUMNS = {
    "id", "password", "last_login", "is_superuser", "username", "email", "is_staff",
    "is_active", "date_joined", "name", "image_url", "external_id",
}  # fmt: skip
COLLECTION_COLUMNS = {
    "public_id", "owner_id", "name", "description", "visibility", "created_at", "updated_at",
}  # fmt: skip
ITEM_COLUMNS = {"collection_id", "artwork_id", "position", "added_at"}
SHARE_COLUMNS = {
    "artwork_id", "code", "expires_at", "max_views", "view_count", "revoked_at", "created_at",
}  # fmt: skip


# --- The pool of frame sets -------------------------------------------------------------


def pool_size_for(artworks: int) -> int:
    """About one set per 50 rows, at least 16 (one per scene), at most POOL_SIZE."""
    return max(len(SCENES), min(POOL_SIZE, artworks // 50))


def frame_pool(size: int, seed: int) -> list[FrameSet]:
    rng = random.Random(f"bench-pool:{seed}")
    scenes = sorted(SCENES)
    pool = []
    for number in range(size):
        scene = scenes[number % len(scenes)]
        width, height = rng.randint(*WIDTHS), rng.randint(*HEIGHTS)
        frames = generate(
            scene,
            width=width,
            height=height,
            frame_count=rng.randint(*FRAMES),
            seed=f"bench-{seed}-{number}",
            text=" ".join(rng.sample(REAL_WORDS, 2)).upper(),
        )
        pool.append(
            FrameSet(
                scene=scene,
                width=width,
                height=height,
                count=len(frames),
                frames=copy_text(json.dumps(frames, separators=(",", ":"))),
                poster=copy_text(frames[0]),
            )
        )
    return pool


# --- Loading --------------------------------------------------------------------------------


def _psycopg(connection: Any):
    """The psycopg connection under a Django connection, or the one given."""
    if hasattr(connection, "ensure_connection"):
        connection.ensure_connection()
        return connection.connection
    return connection


def _public_id(rng: random.Random) -> str:
    """72 random bits, URL-safe, like gallery.models.new_public_id (but seeded)."""
    return base64.urlsafe_b64encode(rng.getrandbits(72).to_bytes(9, "big")).decode()


def load(
    connection: Any,
    artworks: int,
    seed: int = DEFAULT_SEED,
    *,
    workers: int = 1,
    log: Callable[[str], None] = print,
) -> Report:
    """Append `artworks` public artworks (and their owners, a collection and a share)
    to the database of `connection` (a Django or a psycopg connection). In autocommit
    mode each batch commits by itself, and `workers` connections copy batches side by
    side (the server's compression of the frames is what takes the time); inside a
    transaction (a test's) one connection does all and nothing commits."""
    if artworks < 1:
        raise LoaderError("Load at least one artwork.")
    started = time.perf_counter()
    conn = _psycopg(connection)
    now = datetime.now(UTC)
    with conn.cursor() as cursor:
        artwork_columns = columns_to_fill(cursor, "gallery_artwork", ARTWORK_COLUMNS)
        user_columns = columns_to_fill(cursor, "accounts_user", USER_COLUMNS)
        columns_to_fill(cursor, "gallery_collection", COLLECTION_COLUMNS)
        columns_to_fill(cursor, "gallery_collectionitem", ITEM_COLUMNS)
        columns_to_fill(cursor, "gallery_share", SHARE_COLUMNS)
        # A second load on the same database draws other ids and names.
        cursor.execute("SELECT count(*) FROM gallery_artwork")
        (existing,) = cursor.fetchone()
    rng = random.Random(f"bench:{seed}:{existing}")

    size = pool_size_for(artworks)
    log(f"Drawing {size} frame sets from {len(SCENES)} procedural scenes...")
    pool_started = time.perf_counter()
    pool = frame_pool(size, seed)
    log(f"  done in {time.perf_counter() - pool_started:.1f} s")

    prolific_id, owner_ids = _load_users(conn, user_columns, artworks, rng, now, log)
    rows = _Artworks(artwork_columns, artworks, pool, prolific_id, owner_ids, rng, now)
    if workers > 1 and not conn.autocommit:
        workers = 1  # other connections would not see this transaction's users
    log(f"Copying {artworks:,} artworks on {workers} connection(s)...")
    loaded = _copy_artworks(conn, rows, workers, log)
    collection, share = _load_collection_and_share(conn, owner_ids[0], loaded, rng, now)

    log("ANALYZE...")
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    log(f"Loaded {artworks:,} artworks, {len(owner_ids) + 1:,} users in {seconds:.1f} s.")
    return Report(
        artworks=artworks,
        users=len(owner_ids) + 1,
        frame_sets=size,
        prolific=PROLIFIC,
        collection=collection,
        share=share,
        seconds=seconds,
    )


def users_for(artworks: int) -> int:
    """Owners besides `prolific`: a few thousand for big loads, fewer for small ones."""
    return max(10, min(5_000, artworks // 25))


def _load_users(conn, columns, artworks, rng, now, log) -> tuple[int, list[int]]:
    """Create the owners; returns prolific's id and the others' ids."""
    count = users_for(artworks)
    words = vocabulary()
    with conn.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_user WHERE lower(username) = %s", [PROLIFIC])
        found = cursor.fetchone()
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('accounts_user', 'id'))"
            " FROM generate_series(1, %s)",
            [count + (0 if found else 1)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        rows = []
        for user_id in ids:
            word = rng.choice(words)
            username = PROLIFIC if not found and not rows else f"{word}{user_id}"
            joined = now - timedelta(days=DAYS + rng.random() * DAYS)
            values = {
                "id": user_id,
                # An unusable password: nobody signs in as a bench user.
                "password": "!" + _public_id(rng) * 3,
                "last_login": None,
                "is_superuser": False,
                "username": username,
                "email": f"{username}@bench.example",
                "is_staff": False,
                "is_active": True,
                "date_joined": joined,
                "name": username.capitalize(),
                "image_url": "",
                "external_id": None,
            }
            rows.append([values[column] for column in columns])
        with cursor.copy(f"COPY accounts_user ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    prolific_id = found[0] if found else ids[0]
    others = ids if found else ids[1:]
    log(f"Created {len(rows):,} users ({PROLIFIC} has id {prolific_id}).")
    return prolific_id, others


class _Artworks:
    """Builds and copies the artwork rows, one batch of BATCH rows at a time. Each
    batch draws from a generator of its own, so the rows are the same whichever
    connection copies which batch, in whatever order."""

    def __init__(self, columns, artworks, pool, prolific_id, owner_ids, rng, now) -> None:
        self.columns = columns
        self.artworks = artworks
        self.pool = pool
        self.now = now
        self.words = vocabulary()
        self.word_weights = zipf_weights(len(self.words))
        # Owners' shares fall off gently (rank^-0.7), so that prolific stays the largest.
        self.owner_weights = list(
            itertools.accumulate(1 / rank**0.7 for rank in range(1, len(owner_ids) + 1))
        )
        self.owners = [str(owner).encode() for owner in owner_ids]
        self.prolific = str(prolific_id).encode()
        self.prolific_rows = set(
            rng.sample(range(artworks), min(PROLIFIC_ARTWORKS, artworks // 10))
        )
        # Rows whose public ids are kept: the collection's items and the shared one.
        self.chosen = set(rng.sample(range(artworks), min(COLLECTION_SIZE + 1, artworks)))
        self.stream = rng.getrandbits(64)
        self.statement = f"COPY gallery_artwork ({', '.join(columns)}) FROM STDIN"

    def copy(self, conn, first: int) -> dict[int, str]:
        """COPY rows first..first+BATCH; returns the kept public ids by row number."""
        rng = random.Random(f"{self.stream}:{first}")
        kept = {}
        with conn.cursor() as cursor, cursor.copy(self.statement) as copy:
            for number in range(first, min(self.artworks, first + BATCH)):
                public_id = _public_id(rng)
                if number in self.chosen:
                    kept[number] = public_id
                values = self.row(rng, number, public_id)
                copy.write(b"\t".join([values[column] for column in self.columns]) + b"\n")
        return kept

    def row(self, rng: random.Random, number: int, public_id: str) -> dict[str, bytes]:
        frame_set = self.pool[rng.randrange(len(self.pool))]
        words = rng.choices(self.words, cum_weights=self.word_weights, k=rng.randint(3, 9))
        views = min(int((rng.paretovariate(1.2) - 1) * 40), 50_000_000)
        likes = int(views * rng.random() * 0.15)
        created = copy_time(self.now - timedelta(seconds=rng.random() * DAYS * 86_400))
        if number in self.prolific_rows:
            owner = self.prolific
        else:
            drawn = rng.random() * self.owner_weights[-1]
            index = bisect.bisect_left(self.owner_weights, drawn)
            owner = self.owners[min(index, len(self.owners) - 1)]
        return {
            "public_id": public_id.encode(),
            "owner_id": owner,
            "prompt": copy_text(" ".join([frame_set.scene, *words])),
            "frames": frame_set.frames,
            "width": str(frame_set.width).encode(),
            "height": str(frame_set.height).encode(),
            "fps": str(rng.choice(FPS_CHOICES)).encode(),
            "generator": b"procedural",
            "model": f"procedural/{frame_set.scene}".encode(),
            "style": b"",
            "visibility": b"public",
            "featured": b"t" if rng.random() < FEATURED_SHARE else b"f",
            "remixed_from_id": NULL,
            "likes_count": str(likes).encode(),
            "views_count": str(views).encode(),
            "created_at": created,
            "updated_at": created,
            "poster_frame": frame_set.poster,
            "frame_count": str(frame_set.count).encode(),
        }


def _copy_artworks(conn, rows: _Artworks, workers: int, log) -> dict[int, str]:
    """COPY every batch, on `workers` connections of their own when more than one;
    returns the kept public ids."""
    batches = range(0, rows.artworks, BATCH)
    progress_every = max(1, len(batches) // 10)
    started = time.perf_counter()
    kept: dict[int, str] = {}
    done = 0

    def report() -> None:
        copied = min(rows.artworks, done * BATCH)
        if done % progress_every == 0 or done == len(batches):
            elapsed = time.perf_counter() - started
            log(f"  {copied:>9,} artworks  {elapsed:6.1f} s  ({copied / elapsed:,.0f} rows/s)")

    if workers == 1:
        for first in batches:
            kept.update(rows.copy(conn, first))
            done += 1
            report()
        return kept
    local = threading.local()
    opened = []
    lock = threading.Lock()

    def copy_batch(first: int) -> dict[int, str]:
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(
                conn.info.dsn, password=conn.info.password or None, autocommit=True
            )
            with lock:
                opened.append(local.conn)
        return rows.copy(local.conn, first)

    try:
        with ThreadPoolExecutor(workers) as executor:
            for batch_kept in executor.map(copy_batch, batches):
                kept.update(batch_kept)
                done += 1
                report()
    finally:
        for other in opened:
            other.close()
    return kept


def _load_collection_and_share(conn, owner_id, kept, rng, now) -> tuple[str, str]:
    """One public collection of (up to) 24 loaded artworks and one live share of
    another; returns the collection's public id and the share's code."""
    numbers = sorted(kept)
    share_pid, item_pids = kept[numbers[-1]], [kept[n] for n in numbers[:COLLECTION_SIZE]]
    collection_pid = _public_id(rng)
    code = (
        SHARE_PREFIX + base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()
    )
    with conn.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO gallery_collection
                (public_id, owner_id, name, description, visibility, created_at, updated_at)
            VALUES (%s, %s, %s, %s, 'public', %s, %s) RETURNING id
            """,
            [collection_pid, owner_id, COLLECTION_NAME, "24 artworks of the bench.", now, now],
        )
        (collection_id,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO gallery_collectionitem (collection_id, artwork_id, position, added_at)
            SELECT %s, artwork.id, item.position - 1, %s
            FROM unnest(%s::text[]) WITH ORDINALITY AS item(public_id, position)
            JOIN gallery_artwork AS artwork ON artwork.public_id = item.public_id
            """,
            [collection_id, now, item_pids],
        )
        cursor.execute(
            """
            INSERT INTO gallery_share (artwork_id, code, view_count, created_at)
            SELECT id, %s, 0, %s FROM gallery_artwork WHERE public_id = %s
            """,
            [code, now, share_pid],
        )
    return collection_pid, code


def targets(connection: Any) -> Targets:
    """What the page benchmark opens: the newest artwork (the first card of the
    gallery), the loader's collection and share, prolific's profile and two words."""
    conn = _psycopg(connection)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT public_id FROM gallery_artwork WHERE visibility = 'public'"
            " ORDER BY created_at DESC, id DESC LIMIT 1"
        )
        artwork = cursor.fetchone()
        cursor.execute(
            "SELECT public_id FROM gallery_collection WHERE name = %s ORDER BY id DESC LIMIT 1",
            [COLLECTION_NAME],
        )
        collection = cursor.fetchone()
        cursor.execute(
            "SELECT code FROM gallery_share WHERE code LIKE %s ORDER BY id DESC LIMIT 1",
            [SHARE_PREFIX + "%"],
        )
        share = cursor.fetchone()
    if not (artwork and collection and share):
        raise LoaderError("This database was not filled by bench/loader.py.")
    return Targets(
        artwork=artwork[0],
        collection=collection[0],
        share=share[0],
        profile=PROLIFIC,
        common_word=common_word(),
        rare_word=rare_word(),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loader",
        description="Append a realistic gallery to Django's default database with COPY.",
    )
    parser.add_argument("--artworks", type=int, default=DEFAULT_ARTWORKS)
    parser.add_argument("--million", action="store_true", help="load 1,000,000 artworks")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="parallel COPY connections"
    )
    args = parser.parse_args(argv)
    artworks = MILLION if args.million else args.artworks

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    name = default_connection.settings_dict["NAME"]
    print(f"Loading {artworks:,} artworks into the database {name!r} (seed {args.seed}).")
    try:
        load(default_connection, artworks, args.seed, workers=args.workers)
    except LoaderError as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main()
