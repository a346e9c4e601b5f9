"""/u/<username>/: public work only, for everyone, the owner included."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import User
from gallery.models import Artwork, Like
from tests.factories import make_artwork, make_collection, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def body_of_work(owner):
    public = make_artwork(owner, prompt="public comet", visibility="public")
    unlisted = make_artwork(owner, prompt="unlisted comet", visibility="unlisted")
    private = make_artwork(owner, prompt="private comet", visibility="private")
    Like.objects.create(user=make_user(), artwork=public)
    Like.objects.create(user=make_user(), artwork=private)
    make_collection(owner, name="Open shelf", artworks=[public, unlisted, private])
    make_collection(owner, name="Secret drawer", visibility="private", artworks=[public])
    return owner


@pytest.mark.parametrize("viewer", [None, "other_user", "owner", "staff_user"])
def test_profiles_show_only_public_work_to_everyone(client, request, body_of_work, viewer):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    page = client.get("/u/owner/").text
    assert "public comet" in page
    assert "unlisted comet" not in page and "private comet" not in page
    assert "Open shelf" in page and "Secret drawer" not in page
    # Counts come from public items only.
    assert "<strong>1</strong> artwork" in page
    assert "<strong>1</strong> collection" in page
    assert "<strong>1</strong> like" in page
    assert "1 artwork</span>" in page  # Open shelf holds one public artwork
    assert "owner@example.com" not in page


def test_profile_shows_name_join_date_and_generated_avatar(client, owner):
    owner.name = "Grace Hopper"
    owner.save()
    page = client.get("/u/owner/").text
    assert "<h1>Grace Hopper</h1>" in page
    assert "@owner · joined" in page
    assert ">GH</span>" in page  # initials avatar, no third-party image


def test_profile_uses_the_avatar_url_when_set(client, owner):
    owner.image_url = "https://img.example.org/me.png"
    owner.save()
    page = client.get("/u/owner/").text
    assert 'src="https://img.example.org/me.png"' in page
    assert 'referrerpolicy="no-referrer"' in page


def test_profile_empty_state(client, owner):
    assert "has no public artworks yet" in client.get("/u/owner/").text


def test_unknown_and_inactive_users_are_404(client, owner):
    assert client.get("/u/nobody/").status_code == 404
    owner.is_active = False
    owner.save()
    assert client.get("/u/owner/").status_code == 404


def test_username_case_redirects_to_the_canonical_url(client, owner):
    response = client.get("/u/OWNER/")
    assert response.status_code == 301
    assert response["Location"] == "/u/owner/"


def plan_of(queryset) -> str:
    """The plan PostgreSQL picks with sequential scans ruled out: an index path if one
    can serve the query at all."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_usernames_and_emails_are_found_through_their_lowercase_indexes(owner):
    assert User.objects.with_username("OWNER").get() == owner
    assert User.objects.get_by_natural_key("Owner@Example.com") == owner
    assert "user_username_ci_unique" in plan_of(User.objects.with_username("OWNER"))
    assert "Seq Scan" in plan_of(User.objects.filter(username__iexact="OWNER"))


def test_a_profile_counts_only_its_public_artworks_and_their_likes(client, owner):
    for likes in (3, 4):
        artwork = make_artwork(owner)
        Artwork.objects.filter(pk=artwork.pk).update(likes_count=likes)
    make_artwork(owner, visibility="private")
    page = client.get("/u/owner/").text
    assert "<strong>2</strong> artworks" in page
    assert "<strong>7</strong> likes" in page
