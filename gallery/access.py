"""Who may open or list what: the visibility rules of DESIGN.md, in one place.

Every view fetches artworks and collections through these functions, so a rule is
changed here or nowhere. Whoever may not know that an object exists gets a 404, never
a 403. The QuerySet methods underneath (`listed`, `listed_to`, `visible_to`) are the
rules themselves; this module is how views and forms apply them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from gallery.models import OPEN_BY_URL, Artwork, ArtworkQuerySet, Collection, File

ANONYMOUS = AnonymousUser()


def artwork_for_viewer(
    user, public_id: str, *, only: Sequence[str] = (), defer: Sequence[str] = ()
) -> Artwork:
    """The artwork `user` may open by its URL (public and unlisted ones, their own,
    everything for staff), or 404. With `only`, just those columns are read (and the
    owner is not joined): a view that needs the frames alone skips the rest. With
    `defer`, those are left out: a page that shows the poster frame skips the frames."""
    artworks = Artwork.objects.visible_to(user).defer(*defer)
    artworks = artworks.only(*only) if only else artworks.select_related("owner")
    return get_object_or_404(artworks, public_id=public_id)


def artwork_for_anyone(public_id: str) -> Artwork:
    """The artwork anyone with its URL may open (for third parties such as oEmbed
    consumers, who never see a private artwork), or 404."""
    return artwork_for_viewer(ANONYMOUS, public_id)


def open_to_anyone(artwork: Artwork) -> bool:
    """Whether anyone with the URL may open `artwork`, so that third parties (embed
    snippets, oEmbed discovery) may be offered it."""
    return artwork.visibility in OPEN_BY_URL


def may_link(user, artwork: Artwork) -> bool:
    """Whether a page shown to `user` may link to `artwork` (Artwork.listed_to)."""
    return Artwork.objects.listed_to(user).filter(pk=artwork.pk).exists()


def listed_artwork(public_id: str) -> Artwork:
    """A public artwork, or 404 for everyone (its owner and staff too): what any list
    may show is what a visitor may report (moderation/views.py)."""
    artworks = Artwork.objects.listed().defer("frames", "search_vector").select_related("owner")
    return get_object_or_404(artworks, public_id=public_id)


def listed_collection(public_id: str) -> Collection:
    """A public collection, or 404 for everyone, as listed_artwork."""
    collections = Collection.objects.listed().select_related("owner")
    return get_object_or_404(collections, public_id=public_id)


def collection_for_viewer(user, public_id: str) -> Collection:
    """The collection `user` may open by its URL (public and unlisted ones, their own,
    everything for staff), or 404. Its items are collection_items_for's."""
    collections = Collection.objects.visible_to(user).select_related("owner")
    return get_object_or_404(collections, public_id=public_id)


def own_artwork(user, public_id: str) -> Artwork:
    """One of `user`'s own artworks, for the studio; 404 for anyone else's."""
    return get_object_or_404(Artwork, public_id=public_id, owner=user)


def own_collection(user, public_id: str) -> Collection:
    return get_object_or_404(Collection, public_id=public_id, owner=user)


def own_file(user, pk: int, *, defer: Sequence[str] = ("thumbnail",)) -> File:
    """One of `user`'s uploads, without its thumbnail unless asked; 404 for anyone
    else's (staff see every file in the admin)."""
    return get_object_or_404(File.objects.defer(*defer), pk=pk, owner=user)


def remix_source_for(user, artwork: Artwork) -> Artwork | None:
    """The artwork this one remixes, if it may be linked for `user`: an unlisted
    source's URL is a secret the remix page must not publish."""
    if artwork.remixed_from_id is None:
        return None
    sources = Artwork.objects.listed_to(user).filter(pk=artwork.remixed_from_id)
    return sources.only("public_id", "prompt").first()


def collection_items_for(user, collection: Collection) -> ArtworkQuerySet:
    """The items of `collection` that may be listed to `user`, in order: a public or
    unlisted collection must not publish an unlisted artwork's URL."""
    return (
        Artwork.objects.listed_to(user)
        .filter(collection_items__collection=collection)
        .order_by("collection_items__position")
    )


def collections_to_add_to(user, artwork: Artwork) -> QuerySet[Collection]:
    """The collections of `user` that may take `artwork` (Collection.may_hold)."""
    if not user.is_authenticated or not Collection.may_hold(user.pk, artwork):
        return Collection.objects.none()
    return user.collections.all()
