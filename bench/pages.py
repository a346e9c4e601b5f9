"""The page benchmark of issue 12: gunicorn as the Procfile runs it, driven by wrk,
against a database of 100,000 (or 1,000,000) artworks filled by bench/loader.py.

    python -m bench.pages [--artworks N] [--million] [--reuse] [--duration 10]
                          [--connections 32] [--threads 2] [--timeout 10]
                          [--runs warm,cold] [--rss-requests 20000] [--explain]
                          [--data-dir DIR] [--commit TEXT]

Steps: start an embedded PostgreSQL of its own in .data/bench-<N>/postgres (without
--reuse an existing one is deleted first; with it, kept: load a million once), migrate,
load if the gallery is empty, collect static files, then for each run (warm: the app's
caches on; cold: PAGE_CACHE_SECONDS=0) start gunicorn with the Procfile's `web` command
(2 x cores + 1 workers, production settings) and run wrk on each page for --duration
seconds; then worker RSS before and after --rss-requests requests cycling over cheap
pages. SQL queries per page are counted in this process (django.test.Client, anonymous,
caches off) against the same database; --explain prints EXPLAIN (ANALYZE, BUFFERS) of
each page's slowest SELECT. The Markdown report (for docs/benchmarks.md) is printed
and saved beside the database.

Between two pages the server is left to finish: queries still running for requests
wrk gave up on are cancelled, so that one slow page does not slow down the next one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import django
import psutil
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import loader
from config.localdb import ensure_server
from config.localdb.recovery import HANDLES, read_handles, stop_server_processes

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "bench"
# Settings of a production start (DEBUG off); values for the bench only.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"
ENCRYPTION_KEY = "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE="  # base64 of 32 bytes
AGAIN = "login (again, last)"
# Removed from the inherited environment: the bench sets its own.
FOREIGN = ("DJANGO_", "AWS_", "DATABASE_", "REDIS_URL", "EMAIL_URL", "PAGE_CACHE_")

REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d "
    .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d bytes=%d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.bytes))
end
"""
# Cycles over the paths given after `--`; each thread stops after its share of requests
# (wrk itself runs on until interrupted: see counted_wrk).
MIXED_LUA = (
    """
local paths, counter, responses, limit = {}, 0, 0, 0
init = function(args)
  limit = tonumber(args[1])
  for i = 2, #args do paths[#paths + 1] = args[i] end
  counter = math.random(#paths)
end
request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
response = function(status, headers, body)
  responses = responses + 1
  if responses >= limit then wrk.thread:stop() end
end
"""
    + REPORT_LUA
)


@dataclass
class Page:
    name: str
    path: str
    lists: bool = False  # a page with a list: --explain shows its slowest query


@dataclass
class WrkResult:
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self, name: str) -> str:
        """A percentile in ms, or "-" when no request finished."""
        return f"{getattr(self, name):.1f}" if self.requests else "-"

    def error_text(self) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in self.errors.items() if count) or "-"


@dataclass
class SqlResult:
    status: int
    queries: int
    sql_ms: float
    html_kb: float
    slowest: str
    slowest_ms: float


@dataclass
class Run:
    name: str
    results: dict[str, WrkResult]
    login_rate: float
    rss_before: int
    rss_after: int
    rss_requests: int
    rss_seconds: float
    statuses: dict[str, int]
    cancelled: int


# --- Set-up ------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk, installed with apt-get (Debian package `wrk`) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        sys.exit("wrk is missing: install it (https://github.com/wg/wrk), then run again.")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("Installing wrk with apt-get...", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )
    return shutil.which("wrk") or sys.exit("apt-get did not install wrk.")


def start_database(data_dir: Path, reuse: bool) -> str:
    """Start (or join) the bench's own embedded server; returns its DATABASE_URL."""
    pgdata = data_dir / "postgres"
    others = [
        pid
        for pid in read_handles(pgdata / HANDLES)[0]
        if pid != os.getpid() and psutil.pid_exists(pid)
    ]
    if others:
        # Two benchmarks on one database (and two machines' worth of load on two cores)
        # would each measure the other.
        sys.exit(f"Processes {others} use {pgdata}: let them finish first.")
    if data_dir.exists() and not reuse:
        print(f"Deleting the earlier bench database {data_dir} (keep it with --reuse).")
        if pgdata.exists():
            stop_server_processes(pgdata)
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_dir = ensure_server(pgdata, DATABASE)
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{DATABASE}"


def bench_environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a production start on this machine, for gunicorn and for
    this process's own Django (which counts the queries)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN)}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # wrk speaks plain HTTP to 127.0.0.1: no redirect to https.
        DJANGO_SECURE_SSL_REDIRECT="false",
        FIELD_ENCRYPTION_KEYS=ENCRYPTION_KEY,
        STATIC_ROOT=str(data_dir / "static"),
        DATA_DIR=str(data_dir),
        LOG_LEVEL="WARNING",
    )
    return env


def set_up_django(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    # Queries are counted with the app's caches off: what a page costs when it is built.
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()


def prepare_database(artworks: int, seed: int) -> float | None:
    """Migrate, load when empty, vacuum, collect static files; returns the load's
    seconds (None when nothing was loaded)."""
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM gallery_artwork")
        (count,) = cursor.fetchone()
    seconds = None
    if count:
        print(f"The bench database holds {count:,} artworks: not loading.")
    else:
        seconds = loader.load(connection, artworks, seed, workers=os.cpu_count() or 1).seconds
    # What autovacuum does soon after a load or a migration that rewrote the table: the
    # visibility map that index-only scans rely on, and fresh statistics.
    print("VACUUM ANALYZE of the gallery's tables...")
    with connection.cursor() as cursor:
        for table in ("gallery_artwork", "accounts_user", "gallery_collectionitem"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return seconds


def pages_for(targets: loader.Targets) -> list[Page]:
    return [
        Page("login (reference)", "/accounts/login/"),
        Page("home", "/", lists=True),
        Page("trending", "/?tab=trending", lists=True),
        Page("featured", "/?tab=featured", lists=True),
        Page(f"search, common ({targets.common_word})", f"/?q={targets.common_word}", True),
        Page(f"search, rare ({targets.rare_word})", f"/?q={targets.rare_word}", True),
        Page("deep page (400)", "/?page=400", lists=True),
        Page("artwork", f"/a/{targets.artwork}/", lists=True),
        Page("collection", f"/c/{targets.collection}/", lists=True),
        Page(f"profile ({targets.profile})", f"/u/{targets.profile}/", lists=True),
        Page("share", f"/s/{targets.share}/"),
        Page("embed", f"/a/{targets.artwork}/embed/"),
    ]


def mixed_paths(targets: loader.Targets) -> list[str]:
    """The RSS run's cycle: the gallery's first pages, featured, the embeds of the
    collection's artworks, the collection and the profile. Not the artwork page, search
    or trending: at a million artworks one of those takes seconds (see the tables)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT artwork.public_id
            FROM gallery_collectionitem AS item
            JOIN gallery_collection AS collection ON collection.id = item.collection_id
            JOIN gallery_artwork AS artwork ON artwork.id = item.artwork_id
            WHERE collection.public_id = %s ORDER BY item.position
            """,
            [targets.collection],
        )
        artworks = [row[0] for row in cursor.fetchall()]
    return [
        "/",
        *(f"/?page={number}" for number in range(2, 11)),
        "/?tab=featured",
        *(f"/a/{public_id}/embed/" for public_id in artworks),
        f"/c/{targets.collection}/",
        f"/u/{targets.profile}/",
    ]


# --- Measuring in this process -----------------------------------------------------------


def measure_sql(pages: list[Page], repeats: int = 2) -> dict[str, SqlResult]:
    """Queries, their time (the best of `repeats` after one warm-up) and the HTML size
    of each page for an anonymous visitor, in this process."""
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for page in pages:
        client.get(page.path)  # warm-up: counts the view, fills the buffer cache
        best = None
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(page.path)
            queries = captured.captured_queries
            total = sum(float(query["time"]) for query in queries) * 1000
            if best is None or total < best[1]:
                best = (queries, total, response)
        queries, total, response = best
        selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
        slowest = max(selects, key=lambda q: float(q["time"]), default={"sql": "", "time": 0})
        results[page.name] = SqlResult(
            status=response.status_code,
            queries=len(queries),
            sql_ms=total,
            html_kb=len(response.content) / 1024,
            slowest=slowest["sql"],
            slowest_ms=float(slowest["time"]) * 1000,
        )
        print(f"  {page.name}: {len(queries)} queries, {total:.1f} ms", flush=True)
    return results


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


# --- gunicorn and wrk -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web(port: int, workers: int) -> list[str]:
    """The Procfile's `web` command with this port and worker count, on 127.0.0.1."""
    line = next(
        line.split(":", 1)[1]
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    values = {"PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: values.get(m[1], m[2]), line)
    command = shlex.split(line.replace("0.0.0.0:", "127.0.0.1:"))
    command[0] = str(Path(sys.executable).with_name(command[0]))
    return command


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int, log_dir: Path, name: str) -> None:
        self.port = free_port()
        self.command = procfile_web(self.port, workers)
        self.env = env
        self.log_dir = log_dir
        self.name = name
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        access = open(self.log_dir / f"gunicorn-{self.name}-access.log", "wb")
        errors = open(self.log_dir / f"gunicorn-{self.name}-error.log", "wb")
        with access, errors:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=access,
                stderr=errors,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {errors.name}")
            if fetch_status(f"{self.url}/healthz", timeout=5) == 200:
                return self
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s: see {errors.name}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def access_log_lines(self) -> int:
        with open(self.log_dir / f"gunicorn-{self.name}-access.log", "rb") as log:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: log.read(1 << 20), b""))

    def worker_rss(self) -> int:
        return sum(child.memory_info().rss for child in psutil.Process(self.process.pid).children())


def fetch_status(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # timed out


def wrk_command(
    wrk: str, url: str, args: argparse.Namespace, script: Path, duration: int, extra=()
) -> list[str]:
    return [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        f"--timeout={args.timeout}s",
        f"--script={script}",
        url,
        *(["--", *extra] if extra else []),
    ]


def run_wrk(
    wrk: str, url: str, args: argparse.Namespace, script: Path, duration: int | None = None
) -> WrkResult:
    command = wrk_command(wrk, url, args, script, duration or args.duration)
    return parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def counted_wrk(
    wrk: str, server: Gunicorn, args: argparse.Namespace, script: Path, paths: list[str]
) -> WrkResult:
    """wrk cycling over `paths` until gunicorn has logged --rss-requests requests: its
    threads stop at their share, and wrk (which would wait out its duration) is
    interrupted, which makes it report."""
    per_thread = -(-args.rss_requests // args.threads)
    command = wrk_command(wrk, server.url, args, script, 4 * 3600, [str(per_thread), *paths])
    served = server.access_log_lines()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    while process.poll() is None:
        time.sleep(0.5)
        if server.access_log_lines() - served >= args.rss_requests:
            process.send_signal(signal.SIGINT)
            break
    output, _ = process.communicate()
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    values = {key: int(value) for key, value in (pair.split("=") for pair in line.split()[1:])}
    return WrkResult(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        errors={kind: values[kind] for kind in ("connect", "read", "write", "status", "timeout")},
    )


def settle(grace: float = 5.0) -> int:
    """Wait for the bench database to have no running query (but ours); after `grace`
    seconds cancel what still runs for requests nobody waits for. Returns how many
    queries were cancelled."""
    query = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND state = 'active' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + grace
    cancelled = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query)
            running = [row[0] for row in cursor.fetchall()]
            if not running:
                return cancelled
            if time.monotonic() > deadline:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM ("
                    + query
                    + ") AS q"
                )
                cancelled += cursor.fetchone()[0]
                deadline = time.monotonic() + grace
            time.sleep(0.2)


def bench_run(
    name: str,
    env: dict[str, str],
    pages: list[Page],
    mixed: list[str],
    args: argparse.Namespace,
    wrk: str,
    data_dir: Path,
    scripts: dict[str, Path],
) -> Run:
    workers = 2 * (os.cpu_count() or 1) + 1
    print(f"\n{name} run: gunicorn with {workers} workers x 4 threads", flush=True)
    results: dict[str, WrkResult] = {}
    statuses: dict[str, int] = {}
    cancelled = 0
    with Gunicorn(env, workers, data_dir, name) as server:
        for page in pages:  # one request each first: the status, and a warm start
            statuses[page.name] = fetch_status(server.url + page.path, 600)
        cancelled += settle()
        # The login page first and last: how much the machine's other load moved.
        again = Page(AGAIN, pages[0].path)
        for page in [*pages, again]:
            if args.warmup:
                # Every worker renders (and, warm, keeps) the page once before the
                # measured run: otherwise p99 is the first 32 requests' cold start.
                run_wrk(wrk, server.url + page.path, args, scripts["report"], args.warmup)
                cancelled += settle()
            result = run_wrk(wrk, server.url + page.path, args, scripts["report"])
            cancelled += settle()
            results[page.name] = result
            print(
                f"  {page.name:<32} {result.rate:8.1f} req/s  p50 {result.p50_ms:7.1f} ms"
                f"  p99 {result.p99_ms:8.1f} ms  errors: {result.error_text()}",
                flush=True,
            )
        before = server.worker_rss()
        started = time.monotonic()
        mixed_result = counted_wrk(wrk, server, args, scripts["mixed"], mixed)
        rss_seconds = time.monotonic() - started
        cancelled += settle()
        after = server.worker_rss()
        print(
            f"  RSS of the workers: {before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB"
            f" after {mixed_result.requests:,} requests ({rss_seconds:.0f} s)",
            flush=True,
        )
    return Run(
        name=name,
        results=results,
        login_rate=statistics.mean([results[pages[0].name].rate, results[AGAIN].rate]),
        rss_before=before,
        rss_after=after,
        rss_requests=mixed_result.requests,
        rss_seconds=rss_seconds,
        statuses=statuses,
        cancelled=cancelled,
    )


# --- The report ----------------------------------------------------------------------------


def machine(commit: str | None) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (size,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM gallery_artwork")
        (artworks,) = cursor.fetchone()
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = (
        commit
        or subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "machine": (
            f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB"
            f" RAM, load average {os.getloadavg()[0]:.1f} at the start"
        ),
        "database": (
            f"PostgreSQL {version} (embedded, shared_buffers {shared_buffers}),"
            f" {artworks:,} artworks, {size}"
        ),
    }


def report(
    command: str,
    facts: dict[str, str],
    runs: list[Run],
    sql: dict[str, SqlResult],
    pages: list[Page],
    args: argparse.Namespace,
    loaded_seconds: float | None,
    explained: dict[str, str],
) -> str:
    lines = [
        f"`{command}`",
        "",
        f"- Date: {facts['date']}; commit {facts['commit']}",
        f"- Machine: {facts['machine']}",
        f"- Database: {facts['database']}"
        + (f"; loaded in {loaded_seconds:.0f} s" if loaded_seconds else ""),
        f"- wrk: {args.threads} threads, {args.connections} connections, {args.duration} s per"
        f" page, timeout {args.timeout} s; gunicorn {2 * (os.cpu_count() or 1) + 1} workers"
        " x 4 threads (gthread), DEBUG off",
    ]
    for run in runs:
        cache = "PAGE_CACHE_SECONDS=0" if run.name == "cold" else "the app's caches on"
        lines += [
            "",
            f"{run.name.capitalize()} ({cache}); login page {run.login_rate:.0f} req/s"
            " (mean of a run first and last):",
            "",
            "| page | status | requests | req/s | p50 ms | p99 ms | x login | wrk errors |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, result in run.results.items():
            lines.append(
                f"| {name} | {run.statuses.get(name, run.statuses[pages[0].name])}"
                f" | {result.requests} | {result.rate:.1f}"
                f" | {result.latency('p50_ms')} | {result.latency('p99_ms')}"
                f" | {result.rate / run.login_rate:.2f} | {result.error_text()} |"
            )
        growth = (run.rss_after / run.rss_before - 1) * 100 if run.rss_before else 0
        lines += [
            "",
            f"Worker RSS: {run.rss_before / 2**20:.0f} MiB before, {run.rss_after / 2**20:.0f}"
            f" MiB after {run.rss_requests:,} requests over cheap pages ({growth:+.1f}%,"
            f" {run.rss_seconds:.0f} s)."
            + (
                f" {run.cancelled} queries still running after wrk stopped were cancelled."
                if run.cancelled
                else ""
            ),
        ]
    lines += [
        "",
        "SQL per page (in-process, anonymous, caches off; time: best of 2 after a warm-up):",
        "",
        "| page | queries | SQL ms | slowest query ms | HTML KiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for page in pages:
        result = sql[page.name]
        lines.append(
            f"| {page.name} | {result.queries} | {result.sql_ms:.1f}"
            f" | {result.slowest_ms:.1f} | {result.html_kb:.0f} |"
        )
    for name, plan in explained.items():
        lines += ["", f"EXPLAIN (ANALYZE, BUFFERS), {name}:", "", "```", plan, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--artworks", type=int, default=loader.DEFAULT_ARTWORKS)
    parser.add_argument("--million", action="store_true", help="1,000,000 artworks")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database")
    parser.add_argument(
        "--data-dir", type=Path, help="where the database lives (default .data/bench-<N>)"
    )
    parser.add_argument("--seed", type=int, default=loader.DEFAULT_SEED)
    parser.add_argument("--commit", help="the code's commit, when not run in a git checkout")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk per page before it is measured"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=10, help="wrk's timeout, seconds")
    parser.add_argument("--runs", default="warm,cold", help="warm, cold or both")
    parser.add_argument("--rss-requests", type=int, default=20_000)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN each page's main query")
    args = parser.parse_args(argv)
    command = "python -m bench.pages " + " ".join(argv if argv is not None else sys.argv[1:])
    artworks = loader.MILLION if args.million else args.artworks
    runs = [name.strip() for name in args.runs.split(",") if name.strip()]
    if not set(runs) <= {"warm", "cold"}:
        parser.error("--runs takes warm, cold or warm,cold")

    # A stop by SIGTERM runs the clean-ups too: gunicorn stopped, the server's list left.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    wrk = ensure_wrk()
    data_dir = (args.data_dir or ROOT / ".data" / f"bench-{artworks}").resolve()
    env = bench_environment(start_database(data_dir, args.reuse), data_dir)
    set_up_django(env)
    loaded_seconds = prepare_database(artworks, args.seed)
    targets = loader.targets(connection)
    pages = pages_for(targets)
    facts = machine(args.commit)
    print(f"\n{facts['machine']}\n{facts['database']}\nCounting queries per page...", flush=True)
    sql = measure_sql(pages)
    explained = {}
    if args.explain:
        print("EXPLAIN of each page's slowest SELECT...", flush=True)
        for page in pages:
            if page.lists and sql[page.name].slowest:
                explained[page.name] = (
                    sql[page.name].slowest + "\n\n" + explain(sql[page.name].slowest)
                )

    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        scripts = {"report": Path(folder) / "report.lua", "mixed": Path(folder) / "mixed.lua"}
        scripts["report"].write_text(REPORT_LUA)
        scripts["mixed"].write_text(MIXED_LUA)
        mixed = mixed_paths(targets)
        results = []
        for name in runs:
            run_env = {**env, "PAGE_CACHE_SECONDS": "0"} if name == "cold" else env
            results.append(bench_run(name, run_env, pages, mixed, args, wrk, data_dir, scripts))

    text = report(command, facts, results, sql, pages, args, loaded_seconds, explained)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    saved = data_dir / f"report-{stamp}.md"
    saved.write_text(text)
    print("\n" + text + f"\n(saved in {saved})")


if __name__ == "__main__":
    main()
