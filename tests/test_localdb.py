"""The embedded PostgreSQL is shared by every process of the checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "config.localdb",
        reason="runs only on the embedded server (DATABASE_URL is set)",
    ),
]


@pytest.mark.slow
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
