"""Gunicorn as deployed: the Procfile's `web` command, several on one machine."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.commands import database_url
from tests.servers import Gunicorn, procfile_command

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def healthz(server: Gunicorn) -> int:
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
        return response.status


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """The test database, local files, and a home of its own: gunicorn's default
    control socket is $HOME/.gunicorn/gunicorn.ctl (or under XDG_RUNTIME_DIR)."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "AWS_", "XDG_")) and key != "DATABASE_URL"
        },
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "DATA_DIR": str(tmp_path / "data"),
        "HOME": str(home),
        "WEB_CONCURRENCY": "1",
    }


def control_socket(env: dict[str, str]) -> Path:
    return Path(env["HOME"]) / ".gunicorn" / "gunicorn.ctl"


def test_two_procfile_web_servers_run_side_by_side_without_a_control_socket(env):
    web = procfile_command("web")
    with Gunicorn(env, command=web) as one, Gunicorn(env, command=web) as two:
        assert one.port != two.port
        assert healthz(one) == 200
        assert healthz(two) == 200
        assert not control_socket(env).parent.exists()
        # The same command with gunicorn's default would have made it, right there.
        with Gunicorn(env, command=web.replace("--no-control-socket", "")) as default:
            assert healthz(default) == 200
            assert control_socket(env).is_socket()


def test_the_test_servers_open_no_control_socket(env):
    with Gunicorn(env, workers=1) as one, Gunicorn(env, workers=1) as two:
        assert healthz(one) == 200
        assert healthz(two) == 200
        assert not control_socket(env).parent.exists()
