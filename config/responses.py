"""Pages that ask the visitor to come back later (429 and 503), one shape for all."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers


def try_later(
    request: HttpRequest,
    *,
    status: int,
    retry_after: int,
    heading: str,
    message: str,
    with_request: bool = True,
    **links: str,
) -> HttpResponse:
    """The try_later.html page with a Retry-After, never cached. `links` are its
    `retry_path`, `back_url` and `back_label`. `with_request=False` renders without the
    request's context processors (they read the database, which may be what failed),
    so it shows the signed-out header to everyone."""
    context = {"heading": heading, "message": message, **links}
    if with_request:
        response = render(request, "try_later.html", context, status=status)
    else:
        context.update(site_name=settings.SITE_NAME, user=AnonymousUser())
        response = HttpResponse(render_to_string("try_later.html", context), status=status)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


def attachment(stream, filename: str, content_type: str) -> FileResponse:
    """A stored file sent to be saved, never shown: attachment, its real type, nosniff
    (an upload is the creator's bytes, not a page of ours)."""
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
