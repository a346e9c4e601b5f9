"""Running manage.py in a separate process, as a deployer or make would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent  # the checkout


def run_manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def server_params() -> dict[str, str]:
    """libpq keywords (host, port, user, password) of the server the tests use."""
    params = connection.get_connection_params()
    return {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)}


def database_url(name: str) -> str:
    """A DATABASE_URL for database `name` on the test server, written the way a
    deployer would (a socket directory becomes a percent-encoded host)."""
    params = server_params()
    host = params["host"]
    netloc = quote(host, safe="") if host.startswith("/") else host
    if params.get("port"):
        netloc += f":{params['port']}"
    credentials = quote(params["user"], safe="")
    if params.get("password"):
        credentials += ":" + quote(params["password"], safe="")
    return f"postgresql://{credentials}@{netloc}/{name}"
