"""The benchmark's loader (bench/loader.py) fills a database with rows that look like a
real gallery: a small load into the test database, checked row by row."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from accounts.models import User
from bench import loader
from gallery import frames as frame_rules
from gallery.models import Artwork, Collection, Share

# Each test loads 2,000 artworks (about 2.5 s).
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ARTWORKS = 2_000


@pytest.fixture
def loaded():
    return loader.load(connection, ARTWORKS, seed=7, log=lambda line: None)


def test_the_loader_adds_artworks_users_a_collection_and_a_share(loaded):
    assert Artwork.objects.count() == ARTWORKS
    assert set(Artwork.objects.values_list("visibility", flat=True).distinct()) == {"public"}
    assert User.objects.count() == loaded.users == loader.users_for(ARTWORKS) + 1
    collection = Collection.objects.get(public_id=loaded.collection)
    assert collection.visibility == Collection.Visibility.PUBLIC
    assert collection.items.count() == loader.COLLECTION_SIZE
    share = Share.objects.get(code=loaded.share)
    assert share in Share.objects.live()
    assert (share.max_views, share.expires_at) == (None, None)
    assert loader.targets(connection).share == loaded.share


def test_prolific_owns_the_most_artworks(loaded):
    owners = (
        Artwork.objects.values("owner__username")
        .annotate(artworks=Count("id"))
        .order_by("-artworks")[:2]
    )
    first, second = owners
    assert first == {"owner__username": "prolific", "artworks": ARTWORKS // 10}
    assert second["artworks"] < first["artworks"]


def test_frames_are_valid_artworks_of_the_benchmark_sizes(loaded):
    public_ids = list(Artwork.objects.values_list("public_id", flat=True))
    for public_id in random.Random(1).sample(public_ids, 25):
        artwork = Artwork.objects.get(public_id=public_id)
        artwork.clean()  # raises ValidationError on frames outside gallery/frames.py
        assert loader.FRAMES[0] <= len(artwork.frames) <= loader.FRAMES[1]
        assert loader.WIDTHS[0] <= artwork.width <= loader.WIDTHS[1]
        assert loader.HEIGHTS[0] <= artwork.height <= loader.HEIGHTS[1]
        assert frame_rules.measure(artwork.frames) == (artwork.width, artwork.height)


def test_prompt_words_follow_a_skewed_frequency(loaded):
    prompts = list(Artwork.objects.values_list("prompt", flat=True))
    in_prompts = Counter(word for prompt in prompts for word in set(prompt.split()))
    (top, top_count), *_ = in_prompts.most_common(1)
    assert top == loader.common_word()
    assert top_count > len(prompts) / 4  # in more than a quarter of the prompts
    assert len(in_prompts) > 1_000  # and many words in a few prompts each
    assert statistics.median(in_prompts.values()) <= 3


def test_a_second_load_appends(loaded):
    again = loader.load(connection, 100, seed=7, log=lambda line: None)
    assert Artwork.objects.count() == ARTWORKS + 100
    assert again.share != loaded.share
    assert User.objects.filter(username="prolific").count() == 1


def test_an_unknown_required_column_stops_the_loader():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE gallery_artwork ADD COLUMN mystery integer NOT NULL")
    with pytest.raises(loader.LoaderError, match="mystery"):
        loader.load(connection, 10, log=lambda line: None)
