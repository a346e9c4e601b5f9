"""Deleting an account and everything that belongs to it."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from gallery import engagement


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
        engagement.forget_user(user)
        user.delete()
