"""Likes and views: counted exactly, even when requests race."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gallery.models import Artwork, ArtworkView, Like
from tests.factories import make_artwork


def like_url(artwork) -> str:
    return reverse("gallery:like", args=[artwork.public_id])


def likes_of(artwork) -> tuple[int, int]:
    artwork.refresh_from_db()
    return artwork.likes_count, Like.objects.filter(artwork=artwork).count()


@pytest.mark.django_db
def test_like_then_unlike(client, owner, other_user):
    artwork = make_artwork(owner)
    client.force_login(other_user)
    response = client.post(like_url(artwork), {"action": "like"})
    assert response.status_code == 302 and response["Location"] == artwork.get_absolute_url()
    assert likes_of(artwork) == (1, 1)
    page = client.get(artwork.get_absolute_url()).text
    assert 'aria-pressed="true"' in page and "Liked · 1" in page
    client.post(like_url(artwork), {"action": "unlike"})
    assert likes_of(artwork) == (0, 0)
    assert "Like · 0" in client.get(artwork.get_absolute_url()).text


@pytest.mark.django_db
def test_liking_twice_counts_once(client, owner, other_user):
    artwork = make_artwork(owner)
    client.force_login(other_user)
    client.post(like_url(artwork), {"action": "like"})
    client.post(like_url(artwork), {"action": "like"})  # a double submit
    assert likes_of(artwork) == (1, 1)
    client.post(like_url(artwork), {"action": "unlike"})
    client.post(like_url(artwork), {"action": "unlike"})
    assert likes_of(artwork) == (0, 0)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_and_back(client, owner):
    artwork = make_artwork(owner)
    response = client.post(like_url(artwork), {"action": "like"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={artwork.get_absolute_url()}"
    assert likes_of(artwork) == (0, 0)


@pytest.mark.django_db
def test_liking_follows_visibility(client, owner, other_user):
    private = make_artwork(owner, visibility="private")
    client.force_login(other_user)
    assert client.post(like_url(private), {"action": "like"}).status_code == 404
    assert client.get(like_url(private)).status_code == 405
    unlisted = make_artwork(owner, visibility="unlisted")
    assert client.post(like_url(unlisted), {"action": "like"}).status_code == 302


@pytest.mark.django_db
def test_a_bad_action_is_a_400(client, owner, other_user):
    artwork = make_artwork(owner)
    client.force_login(other_user)
    assert client.post(like_url(artwork), {"action": "love"}).status_code == 400
    assert likes_of(artwork) == (0, 0)


def run_together(count: int, request) -> list[int]:
    """Run `request()` in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results: list[int] = []

    def worker():
        try:
            barrier.wait()
            results.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_simultaneous_likes_by_one_user_count_once(owner, other_user):
    artwork = make_artwork(owner)

    def like_once():
        client = Client()
        client.force_login(other_user)
        return client.post(like_url(artwork), {"action": "like"}).status_code

    assert run_together(8, like_once) == [302] * 8
    assert likes_of(artwork) == (1, 1)

    def unlike_once():
        client = Client()
        client.force_login(other_user)
        return client.post(like_url(artwork), {"action": "unlike"}).status_code

    assert run_together(8, unlike_once) == [302] * 8
    assert likes_of(artwork) == (0, 0)


def views_of(artwork) -> int:
    artwork.refresh_from_db()
    return artwork.views_count


@pytest.mark.django_db
def test_a_visitor_counts_once_a_day(client, owner):
    artwork = make_artwork(owner)
    for _ in range(3):
        client.get(artwork.get_absolute_url())
    assert views_of(artwork) == 1
    # Another browser on the same address is the same visitor; another address is not.
    Client(HTTP_USER_AGENT="Another browser").get(artwork.get_absolute_url())
    assert views_of(artwork) == 1
    Client(REMOTE_ADDR="198.51.100.7").get(artwork.get_absolute_url())
    assert views_of(artwork) == 2
    # A day later the first visitor counts again.
    ArtworkView.objects.update(counted_at=timezone.now() - timedelta(hours=24, seconds=1))
    client.get(artwork.get_absolute_url())
    assert views_of(artwork) == 3


@pytest.mark.django_db
def test_owners_and_link_checkers_do_not_count(client, owner):
    artwork = make_artwork(owner)
    client.head(artwork.get_absolute_url())
    client.force_login(owner)
    client.get(artwork.get_absolute_url())
    assert views_of(artwork) == 0


@pytest.mark.django_db
def test_signed_in_views_count_per_user(client, owner, other_user):
    artwork = make_artwork(owner)
    client.force_login(other_user)
    client.get(artwork.get_absolute_url())
    client.get(artwork.get_absolute_url())
    assert views_of(artwork) == 1
    assert ArtworkView.objects.get().visitor == f"u:{other_user.pk}"


@pytest.mark.django_db
def test_the_page_shows_the_counted_view(client, owner):
    artwork = make_artwork(owner)
    page = client.get(artwork.get_absolute_url()).text
    assert "<dt>Views</dt><dd>1</dd>" in page


@pytest.mark.django_db
def test_no_address_is_stored(client, owner):
    artwork = make_artwork(owner)
    client.get(artwork.get_absolute_url(), REMOTE_ADDR="203.0.113.9")
    assert "203.0.113.9" not in ArtworkView.objects.get().visitor


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_views_count_once(owner):
    artwork = make_artwork(owner)
    assert (
        run_together(8, lambda: Client().get(artwork.get_absolute_url()).status_code) == [200] * 8
    )
    assert views_of(artwork) == 1
    assert Artwork.objects.get(pk=artwork.pk).views_count == 1


@pytest.mark.django_db
def test_deleting_an_artwork_with_many_likes_takes_a_fixed_number_of_queries(owner):
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_user

    def delete_with_likes(count: int) -> int:
        artwork = make_artwork(owner)
        for _ in range(count):
            Like.objects.create(user=make_user(), artwork=artwork)
        with CaptureQueriesContext(connection) as captured:
            artwork.delete()
        return len(captured)

    assert delete_with_likes(2) == delete_with_likes(20)


@pytest.mark.django_db
def test_deleting_a_user_uncounts_all_their_likes_at_once(owner):
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_user

    fan = make_user()
    liked = [make_artwork(owner) for _ in range(5)]
    for artwork in liked:
        Like.objects.create(user=fan, artwork=artwork)
        Like.objects.create(user=make_user(), artwork=artwork)
    with CaptureQueriesContext(connection) as captured:
        fan.delete()
    # Counted in one statement (others set the user's reports' reporter to null).
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len([sql for sql in updates if "likes_count" in sql]) == 1
    assert [a.likes_count for a in Artwork.objects.filter(pk__in=[a.pk for a in liked])] == [1] * 5


@pytest.mark.django_db
def test_liking_reads_the_new_count_back_from_the_database(owner, other_user):
    from gallery import engagement
    from tests.factories import make_user

    artwork = make_artwork(owner)
    stale = Artwork.objects.get(pk=artwork.pk)  # loaded before someone else's like
    engagement.like(make_user(), artwork)
    assert engagement.like(other_user, stale) is True
    assert stale.likes_count == 2
    assert engagement.unlike(other_user, stale) is True
    assert stale.likes_count == 1


@pytest.mark.django_db
def test_a_counted_view_reads_the_new_count_back_from_the_database(owner):
    from gallery import engagement

    artwork = make_artwork(owner)
    stale = Artwork.objects.get(pk=artwork.pk)
    assert engagement.count_view(artwork, "a:first") is True
    assert engagement.count_view(stale, "a:second") is True
    assert stale.views_count == 2
    assert engagement.count_view(stale, "a:second") is False  # within the day
    assert stale.views_count == 2


@pytest.mark.django_db
def test_likes_added_or_removed_in_the_admin_are_counted(owner, other_user):
    artwork = make_artwork(owner)
    like = Like.objects.create(user=other_user, artwork=artwork)
    assert likes_of(artwork) == (1, 1)
    like.delete()
    assert likes_of(artwork) == (0, 0)


@pytest.mark.django_db
def test_prune_view_log_keeps_only_the_counting_window(owner):
    from io import StringIO

    from django.core.management import call_command

    artwork = make_artwork(owner)
    ArtworkView.objects.create(artwork=artwork, visitor="a:old", counted_at=timezone.now()
                               - timedelta(days=2))  # fmt: skip
    ArtworkView.objects.create(artwork=artwork, visitor="a:new", counted_at=timezone.now())
    out = StringIO()
    call_command("prune_view_log", stdout=out)
    assert "Deleted 1 view record" in out.getvalue()
    assert list(ArtworkView.objects.values_list("visitor", flat=True)) == ["a:new"]
    artwork.refresh_from_db()
    assert artwork.views_count == 0  # pruning the log never changes the counts
