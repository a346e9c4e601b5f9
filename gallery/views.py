"""Visitor-facing pages. Views only wire HTTP to the models' rules."""

from __future__ import annotations

import logging

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.models import Visibility
from gallery.health import PROBES
from gallery.models import Artwork, Collection

logger = logging.getLogger(__name__)

CARDS_PER_PAGE = 24


def _get_artwork_for_viewer(request: HttpRequest, public_id: str) -> Artwork:
    """The artwork, or 404 for anyone who may not know it exists."""
    artworks = Artwork.objects.visible_to(request.user).select_related("owner")
    return get_object_or_404(artworks, public_id=public_id)


def _get_collection_for_viewer(request: HttpRequest, public_id: str) -> Collection:
    collections = Collection.objects.visible_to(request.user).select_related("owner")
    return get_object_or_404(collections, public_id=public_id)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    artworks = Artwork.objects.listed().as_cards().select_related("owner")
    page = Paginator(artworks, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "gallery/home.html", {"page": page})


@require_safe
def artwork(request: HttpRequest, public_id: str) -> HttpResponse:
    art = _get_artwork_for_viewer(request, public_id)
    response = render(request, "gallery/artwork.html", {"artwork": art})
    if art.visibility != Visibility.PUBLIC:
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def collection(request: HttpRequest, public_id: str) -> HttpResponse:
    coll = _get_collection_for_viewer(request, public_id)
    items = (
        Artwork.objects.visible_to(request.user)
        .filter(collection_items__collection=coll)
        .as_cards()
        .select_related("owner")
        .order_by("collection_items__position")
    )
    return render(request, "gallery/collection.html", {"collection": coll, "artworks": items})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the file storage answer; 503 naming what failed."""
    results = {}
    for part, probe in PROBES.items():
        try:
            probe()
            results[part] = "ok"
        except Exception as error:  # any failure of a dependency is a failed probe
            logger.warning("healthz: %s is failing: %s", part, error)
            results[part] = "failing"
    healthy = all(state == "ok" for state in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
