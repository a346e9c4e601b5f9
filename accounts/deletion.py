"""Deleting an account and everything that belongs to it."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from accounts.archives import delete_archives
from accounts.models import User
from gallery import engagement


def delete_account(user: User) -> None:
    """Remove the user and all their rows in one transaction.

    Foreign keys cascade to artworks (with their shares, embeddings, likes and
    collection items), collections, files, generations, API keys, settings and allauth's
    email and social rows. Signals do the rest: likes the user gave are subtracted
    from the artworks' counters, and the stored objects of their files are deleted
    from storage once the transaction has committed, as are their archives
    (accounts/archives.py; robust: a storage hiccup must not undo the deletion, and
    housekeeping removes a left-over archive within ARCHIVE_KEEP_DAYS).
    """
    with transaction.atomic():
        transaction.on_commit(partial(delete_archives, user.pk), robust=True)
        # View records name the user in a key, not a foreign key.
        engagement.forget_user(user)
        user.delete()
