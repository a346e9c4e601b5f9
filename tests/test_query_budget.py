"""Every page asks the database the same number of questions however large the
gallery grows: the same pages, first with a few dozen artworks, then with thousands
more loaded by the benchmark's COPY loader (bench/loader.py)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bench.loader import load, targets
from gallery.models import Artwork

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def page_urls(found) -> list[str]:
    return [
        "/",
        "/?tab=trending",
        "/?tab=featured",
        f"/?q={found.common_word}",
        # Few matches or not, with similar artworks: the same questions at any size.
        f"/?q={found.rare_word}&similar=1",
        "/?page=2",
        f"/a/{found.artwork}/",
        f"/a/{found.artwork}/embed/",
        f"/c/{found.collection}/",
        f"/u/{found.profile}/",
        f"/s/{found.share}/",
    ]


_visitors = itertools.count(1)


def queries_per_page(urls: list[str]) -> dict[str, int]:
    counts = {}
    for url in urls:
        # A new visitor each time, so that the artwork page counts a view every time.
        client = Client(REMOTE_ADDR=f"203.0.113.{next(_visitors)}")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(captured)
    return counts


def test_queries_per_page_do_not_grow_with_the_database():
    load(connection, artworks=60, log=lambda line: None)
    Artwork.objects.filter(pk__in=Artwork.objects.values("pk")[:3]).feature()  # a full tab
    urls = page_urls(targets(connection))
    small = queries_per_page(urls)

    load(connection, artworks=3000, log=lambda line: None)
    large = queries_per_page(urls)

    assert large == small
    assert max(small.values()) <= 12, small


@pytest.mark.django_db(transaction=True)
def test_a_profile_totals_its_artworks_from_its_own_index():
    """Count and like sum by an index-only scan: at 100,000 artworks, 1.5 ms for the
    10,000 of one creator, against 204 ms through artwork_by_user and the heap."""
    load(connection, artworks=3000, log=lambda line: None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE gallery_artwork")  # as autovacuum would
    prolific = User.objects.with_username(targets(connection).profile).get()
    totals = Artwork.objects.listed().filter(owner=prolific)
    sql, params = totals.values("likes_count").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "Index Only Scan using artwork_listed_by_user" in plan, plan
