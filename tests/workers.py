"""Real job workers for tests: `manage.py procrastinate worker` in a subprocess, on the
test database (committed rows only: use them from `django_db(transaction=True)`
tests, with the `empty_job_queue` fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.commands import database_url

ROOT = Path(__file__).resolve().parent.parent
# The worker also knows the tasks that exist for tests only (tests/jobs.py).
WORKER = (
    "import sys, django; django.setup(); import tests.jobs;"
    "from django.core.management import call_command;"
    "call_command('procrastinate', 'worker', *sys.argv[1:])"
)


def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DATABASE_URL"] = database_url(connection.settings_dict["NAME"])
    env.update(extra)
    return env


def start_worker(*args: str, script: str = WORKER, **env: str) -> subprocess.Popen:
    """A worker with the command-line `args`; `env` adds environment variables."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=worker_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_worker(*args: str, script: str = WORKER, **env: str) -> None:
    """A worker that runs what is due now, then exits."""
    worker = start_worker("--one-shot", *args, script=script, **env)
    _, errors = worker.communicate(timeout=120)
    assert worker.returncode == 0, errors
