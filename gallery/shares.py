"""Share links: creating them, opening them, and counting a view in one conditional
UPDATE.

A view counts only if, in the same statement that increments it, the share is not
revoked, not expired and still under its view limit. PostgreSQL re-checks that
condition on the latest row version when concurrent updates queue on the row, so N
simultaneous requests against `max_views = k` produce exactly k successful views on any
number of app servers.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest
from django.utils import timezone

from gallery import engagement
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


class ShareGone(Exception):
    """The share exists but cannot be viewed now: expired, used up or revoked (410)."""

    def __init__(self, share: Share) -> None:
        super().__init__(share.status)
        self.share = share
        # Live again by now (a raised limit, say) but not for this request: used up for it.
        self.message = GONE_MESSAGES.get(share.status, GONE_MESSAGES[Share.Status.USED_UP])


def open_share(code: str, *, request: HttpRequest) -> Share:
    """The share with its artwork if it may be viewed now, its view counted (and the
    artwork's view); Http404 for an unknown code, ShareGone when it has ended.

    Not counted: the owner's own visits (checking a link must not use it up) and HEAD
    requests (link checkers and mail scanners must not burn a one-view link)."""
    share = Share.objects.select_related("artwork__owner").filter(code=code).first()
    if share is None:
        raise Http404("No such share link.")
    if share.status == Share.Status.LIVE:
        if not engagement.should_count(request, share.artwork):
            return share
        view_count = consume_view(code)
        if view_count is not None:
            share.view_count = view_count
            engagement.count_view(share.artwork, engagement.visitor_key(request))
            return share
    share = Share.objects.select_related("artwork").filter(pk=share.pk).first()
    if share is None:  # deleted with its artwork meanwhile
        raise Http404("No such share link.")
    raise ShareGone(share)


def consume_view(code: str) -> int | None:
    """Count one view of the share if it is live right now, in one conditional UPDATE
    (the one writer of `view_count`); the new count, or None if it was not counted."""
    with transaction.atomic():
        if not Share.objects.filter(code=code).live().update(view_count=F("view_count") + 1):
            return None
        # Our UPDATE holds the row's lock until commit: this reads our own count.
        return Share.objects.filter(code=code).values_list("view_count", flat=True).get()
