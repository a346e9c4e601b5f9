"""Downloads of an artwork as GIF, PNG, SVG, text or JSON (being written)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def export(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    raise Http404("Exports are not available yet.")
