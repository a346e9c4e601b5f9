"""seed_demo: varied, valid demo content; running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from gallery.models import Artwork, Collection, CollectionItem, Share

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "artworks": Artwork.objects.count(),
        "collections": Collection.objects.count(),
        "items": CollectionItem.objects.count(),
        "shares": Share.objects.count(),
    }


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_varied_valid_content():
    summary = seed()
    assert "Demo content ready: 32 artworks (32 new)" in summary
    artworks = list(Artwork.objects.all())
    assert len(artworks) >= 30
    for artwork in artworks:
        artwork.full_clean()  # frames fit the declared size, fps in range...
        assert artwork.frame_count > 1
        assert len(set(artwork.frames)) > 1, f"{artwork.prompt} does not move"
    assert len({artwork.model for artwork in artworks}) >= 12  # many kinds of scene
    visibilities = [artwork.visibility for artwork in artworks]
    assert visibilities.count("public") > len(artworks) / 2
    assert "unlisted" in visibilities and "private" in visibilities
    assert Artwork.objects.filter(featured=True).exclude(visibility="public").count() == 0
    assert Collection.objects.count() == 3
    assert Share.objects.count() == 2
    assert all(share.status == Share.Status.LIVE for share in Share.objects.all())


def test_seed_demo_twice_leaves_the_same_counts():
    seed()
    first = counts()
    assert "(0 new)" in seed()
    assert counts() == first


def test_if_empty_does_nothing_when_artworks_exist(owner):
    from tests.factories import make_artwork

    make_artwork(owner)
    assert "skipped" in seed("--if-empty")
    assert Artwork.objects.count() == 1
