"""/healthz: 200 when the database and storage answer, 503 naming what fails."""

from __future__ import annotations

import pytest

from config.services import s3_storage
from tests.servers import free_ports

pytestmark = [pytest.mark.django_db, pytest.mark.storage]


def test_healthy_site_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    answer = response.json()
    assert (answer["database"], answer["storage"]) == ("ok", "ok")
    assert answer["queue"]["waiting"] == 0
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_storage_answers_503_naming_storage(client, settings):
    (dead_port,) = free_ports(1)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket="nowhere", endpoint_url=f"http://127.0.0.1:{dead_port}"),
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    answer = response.json()
    assert (answer["database"], answer["storage"]) == ("ok", "failing")


def test_missing_bucket_answers_503(client, settings, s3_server):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket="no-such-bucket",
            endpoint_url=s3_server.endpoint_url,
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
        ),
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "failing"


def test_healthz_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405


# --- The job queue ----------------------------------------------------------------


def age_waiting_jobs(seconds: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - make_interval(secs => %s)",
            [seconds],
        )


def test_the_queue_is_reported_and_never_fails_healthz(client, settings):
    from gallery import tasks

    settings.JOBS_STUCK_SECONDS = 60
    tasks.prune_view_log.defer(timestamp=0)
    age_waiting_jobs(600)  # no worker has run it for ten minutes
    response = client.get("/healthz")
    assert response.status_code == 200
    queue = response.json()["queue"]
    assert queue["waiting"] == 1 and queue["oldest_waiting_seconds"] >= 600


def test_healthz_queue_is_503_when_jobs_wait_and_no_worker_takes_them(client, settings):
    from gallery import tasks

    settings.JOBS_STUCK_SECONDS = 60
    assert client.get("/healthz/queue").status_code == 200  # nothing waits
    tasks.prune_view_log.defer(timestamp=0)
    response = client.get("/healthz/queue")
    assert response.status_code == 200  # a job just deferred is not stuck
    assert response.json()["waiting"] == 1 and response.json()["stuck"] is False
    age_waiting_jobs(600)
    response = client.get("/healthz/queue")
    assert response.status_code == 503
    assert response.json()["stuck"] is True
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/healthz/queue"])
def test_health_answers_plain_http_where_https_is_enforced(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True  # as in production: every other page redirects
    assert client.get("/").status_code == 301
    assert client.get(path).status_code == 200


def test_the_last_started_job_is_found_by_an_index():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a table of a week of jobs
        cursor.execute("EXPLAIN SELECT max(at) FROM procrastinate_events WHERE type = 'started'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "gallery_job_started_at" in plan
