"""What happens around saves and deletes that no single view owns: stored objects go
with their rows, like counters follow likes added or removed outside engagement.py
(the admin, cascades), cached pages are forgotten when what they show changes, and
changed artworks are embedded again.
Connected in GalleryConfig.ready()."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from gallery import engagement, exports, pagecache, tasks
from gallery.models import Artwork, Collection, CollectionItem, File, Like


@receiver(post_delete, sender=File)
def delete_stored_object(sender, instance: File, **kwargs) -> None:
    """The stored object goes with its row, once the deletion is committed (a rolled
    back delete must not lose the object)."""
    if instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        # robust: a storage hiccup is logged and must not fail a committed deletion.
        transaction.on_commit(lambda: storage.delete(name), robust=True)


@receiver(post_save, sender=Like)
def count_new_like(sender, instance: Like, created: bool, **kwargs) -> None:
    # engagement.like() inserts without the ORM, so this is a like added elsewhere.
    if created:
        engagement.add_to_likes(Artwork.objects.filter(pk=instance.artwork_id), +1)


def _deletion_started_by(origin, model) -> bool:
    return isinstance(origin, model) or (
        isinstance(origin, models.QuerySet) and origin.model is model
    )


@receiver(post_delete, sender=Like)
def uncount_like(sender, instance: Like, origin=None, **kwargs) -> None:
    # A like removed on its own. Likes that go with their artwork need no counting, and
    # those that go with their user were counted in one statement (below).
    if _deletion_started_by(origin, Artwork) or _deletion_started_by(origin, get_user_model()):
        return
    engagement.add_to_likes(Artwork.objects.filter(pk=instance.artwork_id), -1)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def uncount_likes_of_deleted_user(sender, instance, **kwargs) -> None:
    """One UPDATE for all the likes a user gave, however many, before they go."""
    engagement.add_to_likes(Artwork.objects.filter(likes__user=instance), -1)


@receiver(post_delete, sender=Artwork)
def delete_cached_exports(sender, instance: Artwork, **kwargs) -> None:
    """Rendered exports (GIF, PNG, SVG) are cached in storage; they go with the artwork."""
    transaction.on_commit(lambda: exports.delete_exports(instance), robust=True)


# What an artwork's vector is made from (gallery/similarity.py).
EMBEDDED_FIELDS = frozenset({"prompt", "style", "frames"})


@receiver(post_save, sender=Artwork)
def embed_changed_artwork(sender, instance: Artwork, created: bool, update_fields=None,
                          raw: bool = False, **kwargs) -> None:  # fmt: skip
    """A new artwork, or new words or frames, gets its vector from a job once saved
    (its vector goes with it when it is deleted: a cascade)."""
    if raw:  # loaddata
        return
    if created or update_fields is None or EMBEDDED_FIELDS & set(update_fields):
        tasks.defer_embedding(instance.pk)


@receiver(post_save, sender=Artwork)
@receiver(post_delete, sender=Artwork)
@receiver(post_save, sender=Collection)
@receiver(post_delete, sender=Collection)
@receiver(post_save, sender=CollectionItem)
@receiver(post_delete, sender=CollectionItem)
@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def forget_cached_pages(sender, instance, update_fields=None, origin=None, **kwargs) -> None:
    """What the gallery shows changed: no cached page may show it as it was."""
    if update_fields is not None and not set(update_fields) - {"last_login"}:
        return  # a sign-in changes nothing shown
    if isinstance(origin, _PAGE_MODELS) and origin is not instance:
        return  # a cascade: the row it started from forgets them, once, not per row
    pagecache.forget_all()


_PAGE_MODELS = (Artwork, Collection, CollectionItem, get_user_model())
