"""`make run`: the development web server and a job worker side by side.

Ctrl-C (or SIGTERM or SIGHUP to this process) stops both as a Ctrl-C would: each is
asked with SIGINT, given time to finish, then ended. If one stops on its own (the port
is taken), the other is stopped too and this exits non-zero. The embedded PostgreSQL
stops with the last process that used it (config/localdb).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 20


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _prepare_child() -> None:
    # Started in the background by a shell, a process inherits SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # If this runner dies without stopping its children (SIGKILL), the kernel sends
    # them the Ctrl-C it could not (Linux; elsewhere the handlers below are all there
    # is). runserver's reloading parent then ends its child too.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGINT)


def start(*args: str) -> subprocess.Popen:
    # A process group of its own: runserver's reloader has a child, and both must hear
    # the SIGINT, as from a terminal.
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=_prepare_child,  # no threads here, so no preexec_fn caveat
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
    # SIGTERM (a supervisor, `kill`) and SIGHUP (the terminal closed) stop the pair
    # like Ctrl-C does.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    processes = [start("procrastinate", "worker"), start("runserver", f"{host}:{port}")]
    print(f"Serving http://{host}:{port}/ with a job worker beside it; Ctrl-C stops both.")
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop(processes)
        return 0
    # One of them stopped on its own (the port taken, a crash): stop the other, fail.
    died = next(process for process in processes if process.poll() is not None)
    print(f"{' '.join(died.args[2:])} stopped (exit {died.returncode}); stopping.", file=sys.stderr)
    stop(processes)
    return 1


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
