"""Faults under a live production server: the database restarts, the S3 service goes.

The site runs as deployed (gunicorn, DEBUG off, the Procfile's release step) on a
PostgreSQL and a SeaweedFS of these tests' own, so that the servers every other test
uses stay up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.commands import ROOT, run_manage
from tests.servers import EmbeddedPostgres, Gunicorn, SeaweedS3, procfile_command

pytestmark = pytest.mark.slow


@dataclass
class Site:
    server: Gunicorn
    postgres: EmbeddedPostgres
    s3: SeaweedS3
    artwork: str  # public id of a public artwork

    def url(self, path: str) -> str:
        return self.server.url + path


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def production_env(tmp: Path, postgres: EmbeddedPostgres, s3: SeaweedS3) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "FIELD_ENCRYPTION", "DATABASE_", "REDIS_"))
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="fault-tests-" + "k7" * 25,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain http on 127.0.0.1: no redirect to https, cookies sent without TLS.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=postgres.url("asciigallery"),
        AWS_STORAGE_BUCKET_NAME=s3.bucket,
        AWS_S3_ENDPOINT_URL=s3.endpoint_url,
        AWS_S3_REGION_NAME=s3.region,
        AWS_ACCESS_KEY_ID=s3.access_key,
        AWS_SECRET_ACCESS_KEY=s3.secret_key,
        STATIC_ROOT=str(tmp / "static"),
        DATA_DIR=str(tmp / "data"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def release(env: dict[str, str]) -> None:
    """The Procfile's release step, then collectstatic as a build would."""
    run(["/bin/sh", "-c", procfile_command("release")], env)
    run([sys.executable, "manage.py", "collectstatic", "--noinput"], env)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    postgres, s3 = EmbeddedPostgres(), SeaweedS3(bucket="faults")
    try:
        postgres.start()
        s3.start()
        with psycopg.connect(
            host=str(postgres.socket_dir), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE asciigallery")
        env = production_env(tmp, postgres, s3)
        release(env)
        made = run_manage(
            "shell",
            "-c",
            "from gallery.models import Visibility; from tests import factories;"
            "art = factories.make_artwork(visibility=Visibility.PUBLIC); print(art.public_id)",
            env=env,
        )
        assert made.returncode == 0, made.stderr
        artwork = made.stdout.split()[-1]
        with Gunicorn(env, workers=2, threads=4) as server:
            yield Site(server=server, postgres=postgres, s3=s3, artwork=artwork)
    finally:
        s3.stop()
        postgres.stop()


def test_a_postgres_restart_gives_503s_then_the_site_answers_normally(site):
    pages = [site.url("/"), site.url(f"/a/{site.artwork}/")]
    assert [get(page)[0] for page in pages] == [200, 200]
    answers: list[tuple[float, int]] = []  # (when the request started, status)
    done = threading.Event()

    failures: list[BaseException] = []  # a request that got no HTTP answer at all

    def browse() -> None:
        while not done.is_set():
            for page in pages:
                started = time.monotonic()
                try:
                    answers.append((started, get(page)[0]))
                except Exception as error:  # reported by the assertion below
                    failures.append(error)
            time.sleep(0.02)

    browsers = [threading.Thread(target=browse) for _ in range(4)]
    for browser in browsers:
        browser.start()
    try:
        time.sleep(0.5)
        site.postgres.stop_server()
        try:
            down = [get(pages[0]), get(site.url("/healthz"))]
            time.sleep(1)
        finally:
            site.postgres.start_server()
        back = time.monotonic()
        time.sleep(4)
    finally:
        done.set()
        for browser in browsers:
            browser.join()

    (status, headers, body), (health_status, _, health) = down
    assert status == 503
    assert headers["Retry-After"] == "10"
    assert "The gallery is temporarily unavailable" in body
    assert "no-cache" in headers["Cache-Control"]
    assert health_status == 503
    assert json.loads(health) == {"database": "failing", "storage": "ok", "queue": "unknown"}

    assert failures == []
    statuses = [status for _, status in answers]
    assert 500 not in statuses
    assert set(statuses) == {200, 503}
    # Within two seconds of the database answering again, every request is served.
    settled = [status for started, status in answers if started > back + 2]
    assert len(settled) > 20
    assert set(settled) == {200}
    assert get(site.url("/healthz"))[0] == 200


def test_without_s3_pages_work_and_an_uncached_export_is_a_clear_503(site):
    # Last of the module: the module's SeaweedFS stays stopped after this.
    site.s3.halt()

    status, _, body = get(site.url("/"))
    assert status == 200
    assert 'class="card"' in body
    status, _, body = get(site.url(f"/a/{site.artwork}/"))
    assert status == 200
    assert "<pre" in body

    status, headers, body = get(site.url(f"/a/{site.artwork}/export.gif"))
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "Downloads are temporarily unavailable" in body
    assert headers["Content-Type"].startswith("text/html")

    status, headers, body = get(site.url("/healthz"))
    assert status == 503
    answer = json.loads(body)
    assert (answer["database"], answer["storage"]) == ("ok", "failing")
