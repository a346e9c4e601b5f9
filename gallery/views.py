"""Visitor-facing pages. Views only wire HTTP to the models' rules."""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Visibility
from gallery import engagement
from gallery.health import PROBES
from gallery.models import Artwork, Collection, Like

logger = logging.getLogger(__name__)

CARDS_PER_PAGE = 24


def _get_artwork_for_viewer(request: HttpRequest, public_id: str) -> Artwork:
    """The artwork, or 404 for anyone who may not know it exists."""
    artworks = Artwork.objects.visible_to(request.user).select_related("owner")
    return get_object_or_404(artworks, public_id=public_id)


def _get_collection_for_viewer(request: HttpRequest, public_id: str) -> Collection:
    collections = Collection.objects.visible_to(request.user).select_related("owner")
    return get_object_or_404(collections, public_id=public_id)


TABS = {
    "latest": "Latest",
    "trending": "Trending",
    "featured": "Featured",
}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The gallery: Latest, Trending or Featured public artworks, optionally searched."""
    query = request.GET.get("q", "").strip()[:200]
    tab = request.GET.get("tab", "")
    if tab not in TABS:
        tab = "" if query else "latest"  # a search defaults to best match first
    artworks = Artwork.objects.listed()
    if query:
        artworks = artworks.search(query)
    if tab == "latest":
        artworks = artworks.order_by("-created_at", "-id")
    elif tab == "trending":
        artworks = artworks.trending()
    elif tab == "featured":
        artworks = artworks.filter(featured=True).order_by("-created_at", "-id")
    artworks = artworks.as_cards().select_related("owner")
    page = Paginator(artworks, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "tab": tab, "tabs": TABS}
    return render(request, "gallery/home.html", context)


@require_safe
def artwork(request: HttpRequest, public_id: str) -> HttpResponse:
    art = _get_artwork_for_viewer(request, public_id)
    if engagement.count_view(art, engagement.visitor_key(request)):
        art.views_count += 1
    liked = (
        request.user.is_authenticated
        and Like.objects.filter(user=request.user, artwork=art).exists()
    )
    collections = (
        Collection.objects.listed()
        .filter(items__artwork=art)
        .select_related("owner")
        .order_by("name")
    )
    more = (
        Artwork.objects.listed()
        .filter(owner=art.owner_id)
        .exclude(pk=art.pk)
        .as_cards()
        .select_related("owner")[:4]
    )
    context = {
        "artwork": art,
        "liked": liked,
        "collections": collections,
        "more": more,
        "remix_source": _remix_source_for(request.user, art),
        # Remixes are listed like any list: public ones only (see DESIGN.md).
        "remixes": art.remixes.listed().only("public_id", "prompt").order_by("-created_at")[:12],
        "my_collections": (
            request.user.collections.only("public_id", "name").order_by("name")
            if (request.user.is_authenticated and art.visibility == Visibility.PUBLIC)
            or (request.user.is_authenticated and art.owner_id == request.user.pk)
            else []
        ),
    }
    response = render(request, "gallery/artwork.html", context)
    if art.visibility != Visibility.PUBLIC:
        response["X-Robots-Tag"] = "noindex"
    return response


def _remix_source_for(user, artwork: Artwork) -> Artwork | None:
    """The artwork this one remixes, if the viewer may know it exists."""
    if artwork.remixed_from_id is None:
        return None
    return (
        Artwork.objects.visible_to(user)
        .filter(pk=artwork.remixed_from_id)
        .only("public_id", "prompt")
        .first()
    )


@require_POST
def like(request: HttpRequest, public_id: str) -> HttpResponse:
    """Like or unlike (the form says which, so a double submit cannot flip it back)."""
    if not request.user.is_authenticated:
        # Back to the artwork after logging in; the visitor then presses Like again.
        return redirect_to_login(reverse("gallery:artwork", args=[public_id]))
    art = _get_artwork_for_viewer(request, public_id)
    action = request.POST.get("action")
    if action == "like":
        engagement.like(request.user, art)
    elif action == "unlike":
        engagement.unlike(request.user, art)
    else:
        return HttpResponseBadRequest("action must be like or unlike")
    return redirect(art)


@require_safe
def collection(request: HttpRequest, public_id: str) -> HttpResponse:
    coll = _get_collection_for_viewer(request, public_id)
    items = coll.artworks_for(request.user).as_cards().select_related("owner")
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
