"""`make run`: the development web server and a job worker side by side.

Ctrl-C (or SIGTERM to this process) stops both as a Ctrl-C would: each is asked with
SIGINT, given time to finish, then ended. The embedded PostgreSQL stops with the last
process that used it (config/localdb).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 20


def _hear_interrupts() -> None:
    # Started in the background by a shell, a process inherits SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args: str) -> subprocess.Popen:
    # A process group of its own: runserver's reloader has a child, and both must hear
    # the SIGINT, as from a terminal.
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=_hear_interrupts,  # no threads here, so no preexec_fn caveat
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    # SIGTERM (a supervisor, `kill`) stops the pair like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt))
    processes = [start("procrastinate", "worker"), start("runserver", f"{host}:{port}")]
    print(f"Serving http://{host}:{port}/ with a job worker beside it; Ctrl-C stops both.")
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
