"""Project-wide middleware in config/middleware.py."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import RequestFactory

from config.middleware import database_unavailable


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
