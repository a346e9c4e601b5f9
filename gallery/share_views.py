"""Share links, embeds and oEmbed: pages reached from outside the gallery.

Opening a share (its limits, what counts as a view) is gallery/shares.py; these views
only render, with the headers that pages behind a secret link need.
"""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from config.middleware import BASE_CSP
from config.params import InvalidNumber
from gallery import access, oembeds, pagecache, shares
from gallery.models import Artwork, Visibility

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


EMBED_SPEEDS = {"0.25", "0.5", "1", "1.5", "2", "4"}  # the player's speed menu


def _start_seconds(value: str) -> str:
    """`t` as the player takes it: seconds, at most a day; "" for anything else."""
    try:
        seconds = float(value)
    except ValueError:
        return ""
    return f"{seconds:g}" if math.isfinite(seconds) and 0 < seconds <= 86_400 else ""


def _embed_response(request: HttpRequest, artwork: Artwork, *, via_share=False) -> HttpResponse:
    options = {
        # A share embed never links to the artwork's own URL: for an unlisted artwork
        # that URL is a secret the share's expiry and limit would no longer guard.
        "credit_link": artwork.visibility == Visibility.PUBLIC and not via_share,
        "autoplay": request.GET.get("autoplay", "1") != "0",
        "loop": request.GET.get("loop", "1") != "0",
        "theme": request.GET.get("theme") if request.GET.get("theme") in ("light", "dark") else "",
        # As asciinema's embeds: speed=2, t=12.5 (seconds), controls=0. A value the
        # player cannot use falls back to the default, as theme does.
        "speed": request.GET.get("speed") if request.GET.get("speed") in EMBED_SPEEDS else "",
        "start": _start_seconds(request.GET.get("t", "")),
        "controls": request.GET.get("controls", "1") != "0",
    }
    response = render(request, "gallery/embed.html", {"artwork": artwork, **options})
    # The only pages other sites may frame (X-Frame-Options is DENY everywhere else).
    response["Content-Security-Policy"] = f"{BASE_CSP}; frame-ancestors *"
    return response


@xframe_options_exempt
@require_safe
@pagecache.for_visitors
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
