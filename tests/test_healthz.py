"""/healthz: 200 when the database and storage answer, 503 naming what fails."""

from __future__ import annotations

import pytest

from config.services import s3_storage
from tests.servers import free_ports

pytestmark = [pytest.mark.django_db, pytest.mark.storage]


def test_healthy_site_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_storage_answers_503_naming_storage(client, settings):
    (dead_port,) = free_ports(1)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket="nowhere", endpoint_url=f"http://127.0.0.1:{dead_port}"),
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "storage": "failing"}


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
