"""Share links: creating them, and counting a view in one conditional UPDATE.

A view counts only if, in the same statement that increments it, the share is not
revoked, not expired and still under its view limit. PostgreSQL re-checks that
condition on the latest row version when concurrent updates queue on the row, so N
simultaneous requests against `max_views = k` produce exactly k successful views on any
number of app servers.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from gallery.models import Artwork, Share

EXPIRY_CHOICES = {
    "1h": ("1 hour", timedelta(hours=1)),
    "1d": ("1 day", timedelta(days=1)),
    "7d": ("7 days", timedelta(days=7)),
    "30d": ("30 days", timedelta(days=30)),
    "never": ("Never", None),
}

# Why a share cannot be opened, as the 410 page says it.
GONE_MESSAGES = {
    Share.Status.EXPIRED: "This share link has expired.",
    Share.Status.USED_UP: "This share link has been viewed as many times as it allows.",
    Share.Status.REVOKED: "This share link has been revoked by its owner.",
}


def create_share(artwork: Artwork, *, expiry: str, max_views: int | None) -> Share:
    _label, lifetime = EXPIRY_CHOICES[expiry]
    expires_at = timezone.now() + lifetime if lifetime else None
    return Share.objects.create(artwork=artwork, expires_at=expires_at, max_views=max_views)


def consume_view(code: str) -> bool:
    """Count one view of the share if it is live right now; True if it was counted."""
    return bool(Share.objects.filter(code=code).live().update(view_count=F("view_count") + 1))
