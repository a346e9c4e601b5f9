"""The gallery's own pages: browsing and search, artworks, likes and collections.
Views only wire HTTP to the rules (gallery/access.py, engagement.py, the models)."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_POST, require_safe

from config.paging import CappedPaginator
from config.params import page_number
from gallery import access, embeddings, engagement, models, oembeds, pagecache, similarity
from gallery import frames as frame_rules
from gallery.models import TRENDING_ORDER, Artwork, Collection, Like, Visibility

CARDS_PER_PAGE = 24


TABS = {
    "latest": "Latest",
    "trending": "Trending",
    "featured": "Featured",
}


@require_safe
@pagecache.for_visitors
def home(request: HttpRequest) -> HttpResponse:
    """The gallery: Latest, Trending or Featured public artworks, optionally searched."""
    query = request.GET.get("q", "").strip()[:200]
    tab = request.GET.get("tab", "")
    if tab not in TABS:
        tab = "" if query else "latest"  # a search defaults to best match first
    artworks = Artwork.objects.listed()
    # The tab's filter comes first: a search ranks only among its newest matches.
    if tab == "featured":
        artworks = artworks.filter(featured=True)
    elif tab == "trending":
        artworks = artworks.trending()
    filtered = artworks
    if query:
        artworks = artworks.search(query)
    # A search orders by best match; a tab keeps its own order.
    if tab in ("latest", "featured"):
        artworks = artworks.order_by("-created_at", "-id")
    elif tab == "trending" and query:
        artworks = artworks.order_by(*TRENDING_ORDER)
    artworks = artworks.as_cards().select_related("owner")
    # A search shows how many it found, and its matches are bounded (SEARCH_CANDIDATES).
    paginator = CappedPaginator(artworks, CARDS_PER_PAGE, whole=bool(query))
    page = paginator.get_page(page_number(request.GET.get("page")))
    # Few exact matches, or the visitor asked: similar artworks join the results.
    wants_similar = request.GET.get("similar") == "1"
    fused = False
    if query and (wants_similar or paginator.count < similarity.FEW_MATCHES):
        ids, found_more = similarity.fused_search(filtered, query)
        fused = wants_similar or found_more
    if fused:
        page = Paginator(ids, CARDS_PER_PAGE).get_page(page_number(request.GET.get("page")))
        page.object_list = similarity.cards(list(page.object_list), highlight=query)
    context = {
        "page": page,
        "query": query,
        "tab": tab,
        "tabs": TABS,
        "fused": fused,
        "wants_similar": wants_similar,
        # What the provider's vectors find for a search: "words", or "meaning".
        "similar_by": embeddings.provider().searches_by,
        # Search ranks a bounded set of matches (ArtworkQuerySet.search): say so.
        "search_capped": (
            bool(query) and not fused and page.paginator.count >= models.SEARCH_CANDIDATES
        ),
    }
    return render(request, "gallery/home.html", context)


@require_safe
def artwork(request: HttpRequest, public_id: str) -> HttpResponse:
    # The player fetches the frames (artwork_frames); the page shows the poster frame.
    art = access.artwork_for_viewer(request.user, public_id, defer=("frames", "search_vector"))
    engagement.count_view_of(request, art)  # counted whether the page is cached or not
    # Its edits show at once (updated_at is in the key); its counters, like those on
    # the cards, may be up to PAGE_CACHE_SECONDS old, so that new visitors share a page.
    return pagecache.serve(request, lambda: _artwork_page(request, art), art.updated_at)


def _artwork_page(request: HttpRequest, art: Artwork) -> HttpResponse:
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
    similar = similarity.similar_artworks(art)
    more = (
        Artwork.objects.listed()
        .filter(owner=art.owner_id)
        .exclude(pk=art.pk)
        .as_cards()
        .select_related("owner")[:4]
    )
    context = {
        "artwork": art,
        "open_to_anyone": access.open_to_anyone(art),
        "liked": liked,
        "collections": collections,
        "more": more,
        "similar": similar,
        "remix_source": access.remix_source_for(request.user, art),
        "embed_snippet": (
            oembeds.embed_snippet(request, art) if access.open_to_anyone(art) else ""
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
@pagecache.for_visitors
def collection(request: HttpRequest, public_id: str) -> HttpResponse:
    coll = access.collection_for_viewer(request.user, public_id)
    items = access.collection_items_for(request.user, coll).as_cards().select_related("owner")
    response = render(request, "gallery/collection.html", {"collection": coll, "artworks": items})
    if coll.visibility != Collection.Visibility.PUBLIC:
        response["X-Robots-Tag"] = "noindex"
    return response


# The frames' columns, and whatever decides who may have them and which version they are.
FRAMES_COLUMNS = ("frames", "visibility", "updated_at")
# A versioned frames URL never changes content, so when anyone with the page's URL may
# open the artwork, the browser keeps it for good. Only the browser: a shared cache
# would go on serving it to anyone with the URL after the artwork is made private or
# deleted. A private artwork's frames are asked for each time (a 304 is cheap), so
# that they stop playing for whoever signs out or loses access. So is a URL whose
# version is wrong or missing: it may be about to change.
IMMUTABLE_CACHE_CONTROL = "private, max-age=31536000, immutable"
REVALIDATE_CACHE_CONTROL = "private, no-cache"


@require_safe
def artwork_frames(request: HttpRequest, public_id: str) -> HttpResponse:
    """The artwork page's frames for its player, as compact JSON, fetched apart from
    the page (the page shows the first frame) so that they travel once, gzipped and
    cached under a versioned URL (frames.frames_url). Not a view of the artwork: the
    page counted it. Shares and embeds keep their frames in the page, so that nothing
    gets around a share's view limit."""
    art = access.artwork_for_viewer(request.user, public_id, only=FRAMES_COLUMNS)
    version = frame_rules.frames_version(art)
    response = HttpResponse(content_type="application/json")
    response["ETag"] = f'"{version}"'
    if request.GET.get("v") == version and access.open_to_anyone(art):
        response["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
    else:
        response["Cache-Control"] = REVALIDATE_CACHE_CONTROL
    response["X-Robots-Tag"] = "noindex"
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    if conditional is not response:
        return conditional  # 304, with the ETag and Cache-Control above
    response.content = json.dumps(art.frames, ensure_ascii=False, separators=(",", ":"))
    return response
