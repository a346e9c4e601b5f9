"""`make run` (scripts/dev.py): the web server and a job worker, stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.commands import run_manage
from tests.servers import free_ports
from tests.test_fresh_start import postgres_running_on

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition, timeout: float = 60, step: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"not true after {timeout} s: {condition.__doc__ or condition}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize(
    "stop_signal",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
    ids=["ctrl-c", "term", "terminal-closed", "killed"],
)
def test_make_run_serves_runs_jobs_and_stops_everything(tmp_path, stop_signal):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    data_dir = tmp_path / "data"
    (port,) = free_ports(1)
    env.update(DATA_DIR=str(data_dir), PORT=str(port))
    assert run_manage("migrate", "--noinput", env=env).returncode == 0

    runner = subprocess.Popen(
        [sys.executable, "scripts/dev.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Ctrl-C must reach it even though this test runs it in the background.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"))
        children = psutil.Process(runner.pid).children(recursive=True)
        # The worker beside the web server runs a job deferred now.
        deferred = run_manage(
            "procrastinate", "defer", "gallery.tasks.prune_view_log", '{"timestamp": 0}', env=env
        )
        assert deferred.returncode == 0, deferred.stderr
        status = (
            "from procrastinate.contrib.django.models import ProcrastinateJob as J;"
            "print(J.objects.get(task_name='gallery.tasks.prune_view_log').status)"
        )

        def job_succeeded() -> bool:
            done = run_manage("shell", "-v0", "-c", status, env=env)
            return done.stdout.strip() == "succeeded"

        wait_for(job_succeeded, timeout=60, step=1)
    finally:
        runner.send_signal(stop_signal)
        runner.wait(timeout=60)
    assert runner.returncode == (-signal.SIGKILL if stop_signal == signal.SIGKILL else 0)
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []
    if stop_signal == signal.SIGKILL:
        # Killed, the runner told nobody: its children heard the kernel's Ctrl-C, but
        # runserver's child went down hard and the database may wait for it. The next
        # command finds it gone, and stops the database when it leaves.
        connect = "from django.db import connection; connection.ensure_connection()"
        assert run_manage("shell", "-c", connect, env=env).returncode == 0
    wait_for(lambda: not postgres_running_on(data_dir), timeout=20)


def test_make_run_stops_and_fails_when_the_port_is_taken(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    data_dir = tmp_path / "data"
    env["DATA_DIR"] = str(data_dir)
    assert run_manage("migrate", "--noinput", env=env).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env["PORT"] = str(taken.getsockname()[1])
        runner = subprocess.run(
            [sys.executable, "scripts/dev.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert runner.returncode == 1
    assert "stopping" in runner.stderr
    wait_for(lambda: not postgres_running_on(data_dir), timeout=20)
