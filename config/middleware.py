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
