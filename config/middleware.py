"""Project-wide request filters."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest
from django.middleware.gzip import GZipMiddleware

from config.responses import try_later

logger = logging.getLogger(__name__)


def reject_nul_bytes(get_response):
    """Answer 400 to a NUL byte anywhere in the path or the parameters: PostgreSQL
    cannot store or compare text containing it, so it would otherwise be a 500 in
    whichever query first met it."""

    def middleware(request):
        values = [request.path]
        for query in (request.GET, request.POST):
            for key, items in query.lists():
                values.append(key)
                values.extend(item for item in items if isinstance(item, str))
        if any("\x00" in value for value in values):
            return HttpResponseBadRequest("Requests may not contain NUL characters.")
        return get_response(request)

    return middleware


# What gains from gzip: text. Images (PNG, GIF exports) are compressed already.
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH padding) for text responses only."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)


# Scripts and styles only from this site (the pages have no inline scripts; style
# attributes carry the art's size), images also from https (avatars), no plugins.
BASE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' https: data:; object-src 'none'; base-uri 'self'"
)


def content_security_policy(get_response):
    """A Content-Security-Policy on every response that has none of its own; embeds
    set theirs (framing allowed), everything else may not be framed."""

    def middleware(request):
        response = get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = f"{BASE_CSP}; frame-ancestors 'none'"
        return response

    return middleware


# Seconds a client is asked to wait while the database is unreachable: a restart or
# a fail-over takes about that long.
DATABASE_RETRY_AFTER = 10


# SQLSTATEs of a database that is down or going down (class 08: connection exceptions;
# 57P01-03: shutting down, crashed, starting up; 53300: too many connections). A
# psycopg error with no SQLSTATE is a connection the server never answered or dropped.
OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_outage(error: Exception) -> bool:
    """Whether a database error means the server is unreachable, rather than that a
    query failed (a statement timeout is a bug to see as a 500, not an outage)."""
    if isinstance(error, InterfaceError):
        return True
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(OUTAGE_SQLSTATES)


def database_unavailable(get_response):
    """Answer 503 with a Retry-After, not a 500, to a request whose view found the
    database unreachable (restarting, failing over, out of connections).

    The page is rendered without the request (config.responses.try_later): the
    context processors read the database and would fail a second time."""

    def middleware(request):
        return get_response(request)

    def process_exception(request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if not is_outage(exception):
            return None
        logger.error(
            "Database unavailable for %s %s: %s",
            request.method,
            request.path,
            str(exception).strip(),
        )
        return try_later(
            request,
            status=503,
            retry_after=DATABASE_RETRY_AFTER,
            heading="The gallery is temporarily unavailable",
            message=(
                "Its database is not answering right now, usually for a few seconds"
                " during maintenance. Please try again in a moment."
            ),
            retry_path=request.get_full_path(),
            with_request=False,
        )

    middleware.process_exception = process_exception
    return middleware
