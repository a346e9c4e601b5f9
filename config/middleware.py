"""Project-wide request filters."""

from __future__ import annotations

from django.http import HttpResponseBadRequest


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
