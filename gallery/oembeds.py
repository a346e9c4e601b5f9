"""oEmbed and the embed snippet: which artwork a URL names, and the iframe for it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.request import validate_host
from django.urls import reverse
from django.utils.html import format_html

from config.params import parse_int
from gallery import access
from gallery.models import Artwork

ARTWORK_PATH = re.compile(r"^/a/(?P<public_id>[A-Za-z0-9_-]{1,16})/?$")
# The embed page's box around the art: a monospace cell is about 0.6 x 1.15 of the font
# size, drawn at 12px, plus the padding and the play button row.
CELL_WIDTH, CELL_HEIGHT, FONT_PX = 0.6, 1.15, 12
PADDING_X, PADDING_Y = 24, 56
# Larger than any embed (300 x 150 characters is about 2,200 pixels square): a bigger
# maxwidth or maxheight changes nothing, so it is read as this.
MAX_SIZE = 10_000


def artwork_for_url(url: str) -> Artwork:
    """The public or unlisted artwork a URL of this site points at; 404 otherwise
    (private artworks are never described to a third party)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. "http://[oops/"
        raise Http404("Not an artwork URL of this site.") from None
    match = ARTWORK_PATH.match(parts.path or "")
    # The same rule as for requests: ALLOWED_HOSTS, wildcards and ".domain" included.
    host_ok = hostname is not None and validate_host(hostname, settings.ALLOWED_HOSTS)
    if parts.scheme not in {"http", "https"} or not match or not host_ok:
        raise Http404("Not an artwork URL of this site.")
    return access.artwork_for_anyone(match["public_id"])


def size_limit(value: str | None) -> int | None:
    """A consumer's maxwidth or maxheight: absent, or a whole number of pixels from 1
    up; anything larger than MAX_SIZE is MAX_SIZE. Junk raises InvalidNumber (a 400)."""
    return parse_int(value, low=1, cap=MAX_SIZE)


def embed_size(
    artwork: Artwork, max_width: int | None = None, max_height: int | None = None
) -> tuple[int, int]:
    """Pixel size of an iframe that shows the whole artwork, shrunk to fit the maxima
    (the embed page scales its font to the frame)."""
    width = round(artwork.width * CELL_WIDTH * FONT_PX) + PADDING_X
    height = round(artwork.height * CELL_HEIGHT * FONT_PX) + PADDING_Y
    scale = min(
        1.0,
        (max_width / width) if max_width else 1.0,
        (max_height / height) if max_height else 1.0,
    )
    return max(1, int(width * scale)), max(1, int(height * scale))


def iframe(src: str, width: int, height: int, title: str) -> str:
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy"'
        ' style="border:0;border-radius:8px;max-width:100%" allowfullscreen></iframe>',
        src,
        width,
        height,
        title,
    )


def embed_snippet(request: HttpRequest, artwork: Artwork) -> str:
    src = request.build_absolute_uri(reverse("gallery:artwork_embed", args=[artwork.public_id]))
    width, height = embed_size(artwork)
    return iframe(src, width, height, f"ASCII art: {artwork.prompt[:80]}")


def payload(
    request: HttpRequest, artwork: Artwork, *, max_width: int | None, max_height: int | None
) -> dict:
    width, height = embed_size(artwork, max_width, max_height)
    src = request.build_absolute_uri(reverse("gallery:artwork_embed", args=[artwork.public_id]))
    owner = artwork.owner
    return {
        "version": "1.0",
        "type": "rich",
        "title": artwork.prompt[:200],
        "author_name": owner.display_name,
        "author_url": request.build_absolute_uri(
            reverse("accounts:profile", args=[owner.username])
        ),
        "provider_name": settings.SITE_NAME,
        "provider_url": request.build_absolute_uri("/"),
        "html": iframe(src, width, height, f"ASCII art: {artwork.prompt[:80]}"),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }
