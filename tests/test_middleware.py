"""Project-wide middleware in config/middleware.py."""

from __future__ import annotations

import gzip
import re

import pytest
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import RequestFactory

from config.middleware import database_unavailable
from tests.factories import make_artwork


@pytest.mark.django_db
def test_a_query_error_with_the_database_up_is_not_called_an_outage():
    handler = database_unavailable(lambda request: None)
    request = RequestFactory().get("/a/some-artwork/")
    with (
        pytest.raises(OperationalError) as timeout,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert handler.process_exception(request, timeout.value) is None  # a 500, to be fixed


@pytest.mark.django_db
def test_a_lost_connection_is_a_503_with_retry_after():
    handler = database_unavailable(lambda request: None)
    request = RequestFactory().get("/a/some-artwork/")
    response = handler.process_exception(request, InterfaceError("connection already closed"))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "temporarily unavailable" in response.content.decode()


@pytest.mark.django_db
def test_pages_are_gzipped_with_a_fresh_csrf_mask_and_padding(client):
    """Compressed pages with secrets in them invite BREACH: every response masks the
    CSRF token anew and pads the gzip header by a random length."""
    sizes, tokens = set(), set()
    for _ in range(6):
        response = client.get("/accounts/login/", headers={"accept-encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        page = gzip.decompress(response.content).decode()
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1])
        sizes.add(len(response.content))
    assert len(tokens) == 6
    assert len(sizes) > 1


@pytest.mark.django_db
@pytest.mark.storage
def test_images_are_sent_as_they_are_not_gzipped_again(client, owner):
    artwork = make_artwork(owner)
    png = client.get(f"/a/{artwork.public_id}/export.png", headers={"accept-encoding": "gzip"})
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert "Content-Encoding" not in png
