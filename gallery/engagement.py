"""Likes and view counts: each change is one atomic statement pair in the database,
so concurrent requests (any number of app servers) can never double count."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from config.clientip import client_key
from gallery.models import Artwork, ArtworkView

VIEW_WINDOW = timedelta(hours=24)


def like(user, artwork: Artwork) -> bool:
    """Like `artwork` as `user`; True if this call added the like."""
    with transaction.atomic(), connection.cursor() as cursor:
        # ON CONFLICT: a second like, even one racing this one, inserts nothing.
        cursor.execute(
            "INSERT INTO gallery_like (user_id, artwork_id, created_at) VALUES (%s, %s, now())"
            " ON CONFLICT (user_id, artwork_id) DO NOTHING RETURNING id",
            [user.pk, artwork.pk],
        )
        added = cursor.fetchone() is not None
        if added:
            _set_likes(artwork, add_to_likes(Artwork.objects.filter(pk=artwork.pk), +1))
    return added


def unlike(user, artwork: Artwork) -> bool:
    """Remove `user`'s like; True if this call removed it."""
    with transaction.atomic(), connection.cursor() as cursor:
        # DELETE ... RETURNING: of two racing unlikes only one sees the row go.
        cursor.execute(
            "DELETE FROM gallery_like WHERE user_id = %s AND artwork_id = %s RETURNING id",
            [user.pk, artwork.pk],
        )
        removed = cursor.fetchone() is not None
        if removed:
            _set_likes(artwork, add_to_likes(Artwork.objects.filter(pk=artwork.pk), -1))
    return removed


def add_to_likes(artworks: QuerySet[Artwork], delta: int) -> dict[int, int]:
    """The one writer of `likes_count`: add `delta` to the counter of every artwork in
    `artworks` (never below zero), in one UPDATE; returns {pk: new count}."""
    subquery, params = artworks.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE gallery_artwork SET likes_count = GREATEST(likes_count + %s, 0)"
            f" WHERE id IN ({subquery}) RETURNING id, likes_count",
            [delta, *params],
        )
        return dict(cursor.fetchall())


def _set_likes(artwork: Artwork, counts: dict[int, int]) -> None:
    if artwork.pk in counts:
        artwork.likes_count = counts[artwork.pk]


def should_count(request: HttpRequest, artwork: Artwork) -> bool:
    """Views by the owner, and HEAD requests (link checkers), are not views."""
    if request.method != "GET":
        return False
    return not (request.user.is_authenticated and request.user.pk == artwork.owner_id)


def visitor_key(request: HttpRequest) -> str:
    """Who is looking, for counting views: the user, else a hash of the client address
    with a salt that changes daily (nothing reversible is stored, and nothing links one
    day's visitors to the next day's). Changing one's browser name does not make a
    new visitor."""
    if request.user.is_authenticated:
        return _user_key(request.user)
    day = timezone.now().date().isoformat()
    salt = f"{settings.SECRET_KEY}|views|{day}"
    digest = hashlib.sha256(f"{salt}|{client_key(request)}".encode()).hexdigest()
    return f"a:{digest[:40]}"


def _user_key(user) -> str:
    return f"u:{user.pk}"


def forget_user(user) -> int:
    """Drop the records of which artworks `user` viewed (account deletion); returns
    how many. Anonymous records hold no address and expire within a day."""
    deleted, _ = ArtworkView.objects.filter(visitor=_user_key(user)).delete()
    return deleted


def count_view(artwork: Artwork, visitor: str) -> bool:
    """Count a view unless this visitor's last counted view is under 24 hours old; the
    one writer of `views_count`, which it reads back onto `artwork`."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO gallery_artworkview (artwork_id, visitor, counted_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (artwork_id, visitor) DO UPDATE SET counted_at = EXCLUDED.counted_at"
            " WHERE gallery_artworkview.counted_at <= %s RETURNING id",
            [artwork.pk, visitor, now, now - VIEW_WINDOW],
        )
        if cursor.fetchone() is None:
            return False
        cursor.execute(
            "UPDATE gallery_artwork SET views_count = views_count + 1 WHERE id = %s"
            " RETURNING views_count",
            [artwork.pk],
        )
        row = cursor.fetchone()
    if row is not None:
        artwork.views_count = row[0]
    return True


def count_view_of(request: HttpRequest, artwork: Artwork) -> bool:
    """Count `request` as a view of `artwork` if it is one (should_count)."""
    return should_count(request, artwork) and count_view(artwork, visitor_key(request))


def prune_view_log() -> int:
    """Drop view records past the counting window (they no longer change a count);
    returns how many. Runs daily as a job (gallery/tasks.py)."""
    deleted, _ = ArtworkView.objects.filter(counted_at__lt=timezone.now() - VIEW_WINDOW).delete()
    return deleted
