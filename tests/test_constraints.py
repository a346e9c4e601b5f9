"""The database itself refuses bad rows, whatever code path writes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User, UserSettings
from gallery.models import Artwork, Collection, CollectionItem, File, Generation, Like, Share
from tests.factories import make_artwork, make_collection, make_share, make_user

pytestmark = pytest.mark.django_db


def rejected_by_database(queryset, **values) -> bool:
    """True when an UPDATE that skips model validation is refused by a constraint."""
    try:
        with transaction.atomic():
            queryset.update(**values)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "values",
    [
        {"fps": 0},
        {"fps": 61},
        {"width": 0},
        {"width": 301},
        {"height": 0},
        {"height": 151},
        {"likes_count": -1},
        {"views_count": -1},
        {"visibility": "secret"},
        {"prompt": ""},
        {"prompt": "x" * 2001},
        {"frames": []},
        {"frames": ["x"] * 501},
        {"frames": {"not": "a list"}},
    ],
    ids=lambda values: "-".join(f"{k}={str(v)[:12]}" for k, v in values.items()),
)
def test_artwork_constraints_reject_bad_values(values):
    artwork = make_artwork()
    assert rejected_by_database(Artwork.objects.filter(pk=artwork.pk), **values)


def test_only_public_artworks_can_be_featured():
    artwork = make_artwork(featured=True)
    assert rejected_by_database(Artwork.objects.filter(pk=artwork.pk), visibility="private")
    unlisted = make_artwork(visibility="unlisted")
    assert rejected_by_database(Artwork.objects.filter(pk=unlisted.pk), featured=True)


def test_an_artwork_that_leaves_public_is_unfeatured_whichever_way():
    saved = make_artwork(featured=True)
    saved.visibility = "unlisted"
    saved.save()
    updated = make_artwork(featured=True)
    assert Artwork.objects.filter(pk=updated.pk).set_visibility("private") == 1
    assert Artwork.objects.filter(pk__in=[saved.pk, updated.pk], featured=True).count() == 0
    private = make_artwork(visibility="private")
    assert Artwork.objects.filter(pk__in=[private.pk, saved.pk]).feature() == 0


def test_api_key_provider_and_name_are_checked():
    from accounts.models import ApiKey

    owner = make_user()
    key = ApiKey.objects.create(user=owner, name="main", provider="openai", key="sk-12345678")
    assert rejected_by_database(ApiKey.objects.filter(pk=key.pk), provider="skynet")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(user=owner, name="main", provider="google", key="sk-87654321")


def test_one_embedding_per_artwork_and_model():
    from gallery.models import ArtworkEmbedding

    artwork = make_artwork()
    ArtworkEmbedding.objects.create(artwork=artwork, embedding=[0.0] * 1536, model="m1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArtworkEmbedding.objects.create(artwork=artwork, embedding=[1.0] * 1536, model="m1")
    ArtworkEmbedding.objects.create(artwork=artwork, embedding=[1.0] * 1536, model="m2")


def test_an_artwork_is_in_a_collection_once():
    collection, artwork = make_collection(), make_artwork()
    collection.append(artwork)
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionItem.objects.create(collection=collection, artwork=artwork, position=7)


def test_artwork_limits_themselves_are_accepted():
    artwork = make_artwork()
    queryset = Artwork.objects.filter(pk=artwork.pk)
    assert not rejected_by_database(queryset, fps=60, width=300, height=150, prompt="x" * 2000)
    assert not rejected_by_database(queryset, fps=1, width=1, height=1, frames=["x"] * 500)


def test_model_validation_gives_field_errors_before_the_database():
    artwork = Artwork(owner=make_user(), prompt="  ", frames=["toolong"], width=3, height=1, fps=99)
    with pytest.raises(ValidationError) as caught:
        artwork.full_clean()
    errors = caught.value.message_dict
    assert "Describe the artwork in a few words." in errors["prompt"]
    assert "Line 1 of frame 1 is 7 characters wide; the width is 3." in errors["frames"]
    assert "fps" in errors


def test_share_max_views_must_be_positive_and_view_count_within_it():
    share = make_share(max_views=2)
    queryset = Share.objects.filter(pk=share.pk)
    assert rejected_by_database(queryset, max_views=0)
    assert rejected_by_database(queryset, view_count=3)
    assert not rejected_by_database(queryset, view_count=2)


def test_share_codes_are_unique_and_long():
    share = make_share()
    with pytest.raises(IntegrityError), transaction.atomic():
        Share.objects.create(artwork=share.artwork, code=share.code)
    assert rejected_by_database(Share.objects.filter(pk=share.pk), code="short")
    assert len(share.code) >= 22  # 128+ random bits in URL-safe base64


def test_one_like_per_user_and_artwork():
    artwork, fan = make_artwork(), make_user()
    Like.objects.create(user=fan, artwork=artwork)
    with pytest.raises(IntegrityError), transaction.atomic():
        Like.objects.create(user=fan, artwork=artwork)


def test_likes_keep_the_counter_right():
    artwork = make_artwork()
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        Like.objects.create(user=fan, artwork=artwork)
    artwork.refresh_from_db()
    assert artwork.likes_count == 3
    fans[0].delete()  # a deleted account takes its likes with it
    artwork.refresh_from_db()
    assert artwork.likes_count == 2


def test_collection_items_are_unique_per_collection_and_position():
    collection = make_collection()
    first, second = make_artwork(), make_artwork()
    collection.append(first)
    assert collection.append(first).position == 0  # appending twice is a no-op
    with pytest.raises(IntegrityError), transaction.atomic():
        # The position constraint is deferred to commit; check it now instead.
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        CollectionItem.objects.create(collection=collection, artwork=second, position=0)
    collection.append(second)
    assert list(collection.items.values_list("position", flat=True)) == [0, 1]


def test_collection_positions_can_be_swapped_in_one_transaction():
    collection = make_collection(artworks=[make_artwork(), make_artwork()])
    first, second = collection.items.all()
    with transaction.atomic():
        CollectionItem.objects.filter(pk=first.pk).update(position=1)
        CollectionItem.objects.filter(pk=second.pk).update(position=0)
    assert [item.pk for item in collection.items.order_by("position")] == [second.pk, first.pk]


def test_collection_visibility_and_name():
    collection = make_collection()
    queryset = Collection.objects.filter(pk=collection.pk)
    assert rejected_by_database(queryset, visibility="secret")
    assert rejected_by_database(queryset, name="")
    assert queryset.update(visibility="unlisted") == 1


def test_generation_duration_and_cost_not_negative():
    generation = Generation.objects.create(prompt="p", model="m", status="done", duration_ms=5)
    queryset = Generation.objects.filter(pk=generation.pk)
    assert rejected_by_database(queryset, duration_ms=-1)
    assert rejected_by_database(queryset, cost=-1)


def test_files_are_images_only():
    file = File.objects.create(
        file="uploads/x.png", owner=make_user(), filename="x.png", mime_type="image/png", size=10
    )
    queryset = File.objects.filter(pk=file.pk)
    assert rejected_by_database(queryset, mime_type="application/pdf")
    assert rejected_by_database(queryset, size=-5)


def test_user_email_and_username_are_unique_ignoring_case():
    make_user(email="Case@Example.com", username="Casey")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="case@example.com", username="someone")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="new@example.com", username="casey")


def test_user_settings_theme_and_visibility_are_checked():
    settings = UserSettings.objects.create(user=make_user())
    queryset = UserSettings.objects.filter(pk=settings.pk)
    assert rejected_by_database(queryset, theme="neon")
    assert rejected_by_database(queryset, default_visibility="friends")


def test_share_status_follows_expiry_views_and_revocation():
    share = make_share(max_views=1)
    assert share.status == Share.Status.LIVE
    share.view_count = 1
    assert share.status == Share.Status.USED_UP
    share.expires_at = timezone.now() - timedelta(seconds=1)
    assert share.status == Share.Status.EXPIRED
    Share.objects.filter(pk=share.pk).revoke()
    share.refresh_from_db()
    assert share.status == Share.Status.REVOKED
    assert not Share.objects.live().filter(pk=share.pk).exists()


def test_saving_a_loaded_artwork_or_share_keeps_counts_made_meanwhile(other_user):
    from gallery import engagement, shares

    artwork = make_artwork()
    share = Share.objects.create(artwork=artwork, max_views=5)
    loaded_artwork, loaded_share = (
        Artwork.objects.get(pk=artwork.pk),
        Share.objects.get(pk=share.pk),
    )
    engagement.like(other_user, artwork)
    engagement.count_view(artwork, "a:someone")
    shares.consume_view(share.code)
    # The editor and the admin save what they loaded, with their own changes.
    loaded_artwork.prompt = "renamed"
    loaded_artwork.save()
    loaded_share.max_views = 9
    loaded_share.save()
    artwork.refresh_from_db()
    share.refresh_from_db()
    assert (artwork.prompt, artwork.likes_count, artwork.views_count) == ("renamed", 1, 1)
    assert (share.max_views, share.view_count) == (9, 1)


def test_a_saved_artwork_tells_its_new_frame_count_and_poster(owner):
    artwork = make_artwork(owner, frames=["a", "b", "c"], width=1, height=1)
    artwork.frames = ["z"] * 5
    artwork.save()
    assert (artwork.frame_count, artwork.poster_frame) == (5, "z")
    artwork.refresh_from_db()
    assert (artwork.frame_count, artwork.poster_frame) == (5, "z")
