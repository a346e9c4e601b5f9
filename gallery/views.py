"""Visitor-facing pages. Views only wire HTTP to the models' rules."""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST, require_safe

from config.middleware import BASE_CSP
from config.params import InvalidNumber
from gallery import access, engagement, oembeds, shares
from gallery.health import PROBES
from gallery.models import Artwork, Collection, Like, Visibility

logger = logging.getLogger(__name__)

CARDS_PER_PAGE = 24


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
    art = access.artwork_for_viewer(request.user, public_id)
    engagement.count_view_of(request, art)
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
    similar = Artwork.objects.listed().similar_to(art).as_cards().select_related("owner")[:4]
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
        "similar": similar,
        "remix_source": access.remix_source_for(request.user, art),
        "embed_snippet": (
            oembeds.embed_snippet(request, art) if art.visibility != Visibility.PRIVATE else ""
        ),
        # Remixes are listed like any list: public ones only (see DESIGN.md).
        "remixes": art.remixes.listed().only("public_id", "prompt").order_by("-created_at")[:12],
        "my_collections": access.collections_to_add_to(request.user, art)
        .only("public_id", "name")
        .order_by("name"),
    }
    response = render(request, "gallery/artwork.html", context)
    if art.visibility != Visibility.PUBLIC:
        response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def like(request: HttpRequest, public_id: str) -> HttpResponse:
    """Like or unlike (the form says which, so a double submit cannot flip it back)."""
    if not request.user.is_authenticated:
        # Back to the artwork after logging in; the visitor then presses Like again.
        return redirect_to_login(reverse("gallery:artwork", args=[public_id]))
    art = access.artwork_for_viewer(request.user, public_id)
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
    coll = access.collection_for_viewer(request.user, public_id)
    items = access.collection_items_for(request.user, coll).as_cards().select_related("owner")
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


# --- Share links -------------------------------------------------------------------------


def _share_gone(request: HttpRequest, gone: shares.ShareGone, *, embedded=False):
    """The 410 page of an ended share link."""
    share = gone.share
    is_owner = request.user.is_authenticated and request.user.pk == share.artwork.owner_id
    template = "gallery/share_gone_embed.html" if embedded else "gallery/share_gone.html"
    context = {"share": share, "message": gone.message, "is_owner": is_owner}
    return _private_page(render(request, template, context, status=410))


def _private_page(response: HttpResponse) -> HttpResponse:
    """Headers for pages reached through a secret link: not indexed, not cached, and
    the link is never sent on as a Referer."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def share(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = shares.open_share(code, request=request)
    except shares.ShareGone as gone:
        return _share_gone(request, gone)
    is_owner = request.user.is_authenticated and request.user.pk == found.artwork.owner_id
    context = {"share": found, "artwork": found.artwork, "is_owner": is_owner}
    return _private_page(render(request, "gallery/share.html", context))


# --- Embeds and oEmbed --------------------------------------------------------------


def _embed_response(request: HttpRequest, artwork: Artwork, *, via_share=False) -> HttpResponse:
    options = {
        # A share embed never links to the artwork's own URL: for an unlisted artwork
        # that URL is a secret the share's expiry and limit would no longer guard.
        "credit_link": artwork.visibility == Visibility.PUBLIC and not via_share,
        "autoplay": request.GET.get("autoplay", "1") != "0",
        "loop": request.GET.get("loop", "1") != "0",
        "theme": request.GET.get("theme") if request.GET.get("theme") in ("light", "dark") else "",
    }
    response = render(request, "gallery/embed.html", {"artwork": artwork, **options})
    # The only pages other sites may frame (X-Frame-Options is DENY everywhere else).
    response["Content-Security-Policy"] = f"{BASE_CSP}; frame-ancestors *"
    return response


@xframe_options_exempt
@require_safe
def artwork_embed(request: HttpRequest, public_id: str) -> HttpResponse:
    response = _embed_response(request, access.artwork_for_viewer(request.user, public_id))
    if response.status_code == 200 and request.user.is_anonymous:
        patch_cache_control(response, public=True, max_age=300)
    return response


@xframe_options_exempt
@require_safe
def share_embed(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = shares.open_share(code, request=request)
    except shares.ShareGone as gone:
        response = _share_gone(request, gone, embedded=True)
        response["Content-Security-Policy"] = f"{BASE_CSP}; frame-ancestors *"
        return response
    return _private_page(_embed_response(request, found.artwork, via_share=True))


@require_safe
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed (https://oembed.com) for artwork URLs: a `rich` type with the iframe."""
    if request.GET.get("format", "json") != "json":
        return HttpResponse("Only format=json is supported.", status=501)
    art = oembeds.artwork_for_url(request.GET.get("url", ""))
    try:
        max_width = oembeds.size_limit(request.GET.get("maxwidth"))
        max_height = oembeds.size_limit(request.GET.get("maxheight"))
    except InvalidNumber:
        return HttpResponseBadRequest("maxwidth and maxheight must be positive whole numbers.")
    payload = oembeds.payload(request, art, max_width=max_width, max_height=max_height)
    response = JsonResponse(payload)
    patch_cache_control(response, public=True, max_age=3600)
    return response
