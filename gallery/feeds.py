"""Atom feeds of the latest public artworks: the whole gallery's and one per profile.

Only listed (public) artworks, newest first, read the way a card is (no frames), so
that a feed costs one index scan of FEED_LENGTH rows at any size of the archive. Each
entry carries the PNG poster twice: as an image in its summary, for readers that show
HTML, and as an enclosure link for those that show attachments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from accounts.models import User
from gallery import pagecache
from gallery.exports import export_url
from gallery.models import Artwork

if TYPE_CHECKING:
    from django.http import HttpRequest

FEED_LENGTH = 30


class PosterAtomFeed(Atom1Feed):
    """Atom with each entry's poster as an enclosure link. Written here rather than
    with the framework's enclosures, which always print a length, and the size of a PNG
    drawn on demand is not known when the feed is."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "link", "", {"rel": "enclosure", "type": "image/png", "href": item["poster"]}
        )


class LatestArtworksFeed(Feed):
    feed_type = PosterAtomFeed
    title = "Latest ASCII-art animations"
    subtitle = "The newest public artworks of the gallery."

    def get_object(self, request: HttpRequest, *args, **kwargs) -> HttpRequest:
        # Feed objects are shared by every request: the request travels as the object,
        # so that entries can build absolute poster URLs for its host.
        return request

    def link(self, request: HttpRequest) -> str:
        return reverse("gallery:home")

    def feed_url(self, request: HttpRequest) -> str:
        return reverse("gallery:feed")

    def artworks(self, request: HttpRequest):
        return Artwork.objects.listed()

    def items(self, request: HttpRequest) -> list[Artwork]:
        artworks = list(
            self.artworks(request)
            .as_cards()
            .select_related("owner")
            .order_by("-created_at", "-id")[:FEED_LENGTH]
        )
        for artwork in artworks:
            artwork.feed_poster = request.build_absolute_uri(export_url(artwork, "png"))
            artwork.feed_author_link = request.build_absolute_uri(
                reverse("accounts:profile", args=[artwork.owner.username])
            )
        return artworks

    def item_title(self, artwork: Artwork) -> str:
        return artwork.prompt

    def item_description(self, artwork: Artwork) -> str:
        # HTML in <summary type="html">: the framework escapes it once more for XML.
        return format_html(
            '<p><img src="{}" alt="{}"></p><p>An ASCII-art animation by {}: '
            "{}×{} characters, {} frames at {} fps.</p>",
            artwork.feed_poster,
            artwork.prompt,
            artwork.owner.display_name,
            artwork.width,
            artwork.height,
            artwork.frame_count,
            artwork.fps,
        )

    def item_author_name(self, artwork: Artwork) -> str:
        return artwork.owner.display_name

    def item_author_link(self, artwork: Artwork) -> str:
        return artwork.feed_author_link

    def item_pubdate(self, artwork: Artwork):
        return artwork.created_at

    def item_updateddate(self, artwork: Artwork):
        return artwork.updated_at

    def item_extra_kwargs(self, artwork: Artwork) -> dict:
        return {"poster": artwork.feed_poster}


class ProfileFeed(LatestArtworksFeed):
    """One creator's public artworks; 404 for a username no active user has."""

    def get_object(self, request: HttpRequest, username: str) -> HttpRequest:
        request.feed_owner = get_object_or_404(User.objects.with_username(username), is_active=True)
        return request

    def title(self, request: HttpRequest) -> str:
        return f"ASCII-art animations by {request.feed_owner.display_name}"

    def subtitle(self, request: HttpRequest) -> str:
        return f"The newest public artworks of @{request.feed_owner.username}."

    def link(self, request: HttpRequest) -> str:
        return reverse("accounts:profile", args=[request.feed_owner.username])

    def feed_url(self, request: HttpRequest) -> str:
        return reverse("gallery:profile_feed", args=[request.feed_owner.username])

    def author_name(self, request: HttpRequest) -> str:
        return request.feed_owner.display_name

    def artworks(self, request: HttpRequest):
        return Artwork.objects.listed().filter(owner=request.feed_owner)


# The views. Kept for anonymous readers like pages, and forgotten with them on every
# change, so that a new public artwork is in the next fetch.
latest = require_safe(pagecache.for_visitors(LatestArtworksFeed()))
profile = require_safe(pagecache.for_visitors(ProfileFeed()))
