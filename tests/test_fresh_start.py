"""What `make run` does on a fresh clone, end to end in separate processes: a new
embedded database, migrations, demo content, and gunicorn workers sharing the server."""

from __future__ import annotations

import os
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.commands import run_manage
from tests.servers import Gunicorn

pytestmark = pytest.mark.slow


def postgres_running_on(data_dir: Path) -> bool:
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and str(data_dir) in " ".join(cmdline):
            return True
    return False


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_fresh_data_dir_to_serving_the_gallery(tmp_path):
    data_dir = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "AWS_"))
    }
    env["DATA_DIR"] = str(data_dir)

    migrate = run_manage("migrate", "--noinput", env=env)
    assert migrate.returncode == 0, migrate.stderr
    seed = run_manage("seed_demo", "--if-empty", env=env)
    assert seed.returncode == 0, seed.stderr
    assert "Demo content ready: 32 artworks" in seed.stdout
    assert "skipped" in run_manage("seed_demo", "--if-empty", env=env).stdout

    with Gunicorn(env, workers=2) as server:
        status, home = fetch(f"{server.url}/")
        assert status == 200
        assert home.count('class="card"') == 24
        # Both workers use the one embedded server.
        for _ in range(10):
            status, body = fetch(f"{server.url}/healthz")
            assert status == 200 and '"database": "ok"' in body
    # The last process to leave stopped the server.
    deadline = time.monotonic() + 10
    while postgres_running_on(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not postgres_running_on(data_dir)
