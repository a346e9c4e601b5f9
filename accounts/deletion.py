"""Deleting an account and everything that belongs to it."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from gallery.models import ArtworkView


def delete_account(user: User) -> None:
    """Remove the user and all their rows in one transaction.

    Foreign keys cascade to artworks (with their shares, embeddings, likes and
    collection items), collections, files, generations, API keys, settings and allauth's
    email and social rows. Signals do the rest: likes the user gave are subtracted
    from the artworks' counters, and the stored objects of their files are deleted
    from storage once the transaction has committed.
    """
    with transaction.atomic():
        # View records name the user in a key, not a foreign key.
        ArtworkView.objects.filter(visitor=f"u:{user.pk}").delete()
        user.delete()
