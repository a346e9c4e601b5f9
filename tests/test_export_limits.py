"""Drawing exports costs CPU: new renders are rate limited per client, stored exports
are always served."""

from __future__ import annotations

import types

import pytest
from django.test import Client
from django.urls import reverse

from config import ratelimit
from gallery import exports
from tests.factories import make_artwork

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings, s3, monkeypatch):  # s3: the exports are stored in the test bucket
    settings.EXPORT_RENDER_RATE_LIMIT = LIMIT
    # The counting clock at the start of a window, so that no window ends mid-test.
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.5))


def export_url(artwork, fmt: str = "svg") -> str:
    return reverse("gallery:export", args=[artwork.public_id, fmt])


def test_renders_over_the_limit_answer_429_and_stored_exports_are_still_served(owner):
    visitor, neighbour = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    artworks = [make_artwork(owner) for _ in range(LIMIT + 1)]
    for artwork in artworks[:LIMIT]:
        assert visitor.get(export_url(artwork)).status_code == 200

    refused = visitor.get(export_url(artworks[LIMIT]))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert "Too many new downloads" in refused.content.decode()
    assert "no-cache" in refused["Cache-Control"]
    assert exports.stored_export(artworks[LIMIT], "svg") is None  # nothing was drawn

    # Another client is still served, and what it drew is then served to anyone.
    assert neighbour.get(export_url(artworks[LIMIT])).status_code == 200
    assert visitor.get(export_url(artworks[LIMIT])).status_code == 200
    # Stored exports never count, however often they are fetched.
    for _ in range(LIMIT + 2):
        assert visitor.get(export_url(artworks[0])).status_code == 200
    # A new theme is a new render: still refused.
    assert visitor.get(export_url(artworks[0]) + "?theme=light").status_code == 429


def test_signed_in_users_are_counted_by_account_not_address(owner, other_user):
    artworks = [make_artwork(owner) for _ in range(LIMIT + 1)]
    for index, artwork in enumerate(artworks[:LIMIT]):
        member = Client(REMOTE_ADDR=f"198.51.100.{index + 1}")
        member.force_login(other_user)
        assert member.get(export_url(artwork, "png")).status_code == 200

    member = Client(REMOTE_ADDR="198.51.100.99")
    member.force_login(other_user)
    assert member.get(export_url(artworks[LIMIT], "png")).status_code == 429
    # An anonymous visitor from the address the member used first is not limited.
    assert Client(REMOTE_ADDR="198.51.100.1").get(export_url(artworks[LIMIT])).status_code == 200


def test_text_and_json_exports_are_not_limited():
    artwork = make_artwork()
    visitor = Client(REMOTE_ADDR="192.0.2.1")
    for _ in range(LIMIT + 2):
        assert visitor.get(export_url(artwork, "txt")).status_code == 200
        assert visitor.get(export_url(artwork, "json")).status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_network(owner):
    artworks = [make_artwork(owner) for _ in range(LIMIT + 1)]
    for index, artwork in enumerate(artworks[:LIMIT]):
        rotating = Client(REMOTE_ADDR=f"2001:db8:aa:bb::{index + 1}")
        assert rotating.get(export_url(artwork)).status_code == 200
    same_network = Client(REMOTE_ADDR="2001:db8:aa:bb:ffff::9")
    assert same_network.get(export_url(artworks[LIMIT])).status_code == 429
    assert (
        Client(REMOTE_ADDR="2001:db8:aa:cc::1").get(export_url(artworks[LIMIT])).status_code == 200
    )


def test_a_render_queued_for_a_job_counts_and_asking_again_meanwhile_does_not(
    owner, django_capture_on_commit_callbacks
):
    visitor = Client(REMOTE_ADDR="203.0.113.40", HTTP_ACCEPT="text/html")
    frames = ["\n".join(f"{index} {'#' * row}" for row in range(63)) for index in range(100)]
    big = make_artwork(owner, frames=frames, width=80, height=63)
    small = [make_artwork(owner) for _ in range(LIMIT)]
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.get(export_url(big, "gif")).status_code == 202  # queued: counts
    for _ in range(3):  # the page refreshing itself while the job waits
        assert visitor.get(export_url(big, "gif")).status_code == 202
    for artwork in small[: LIMIT - 1]:
        assert visitor.get(export_url(artwork)).status_code == 200
    assert visitor.get(export_url(small[LIMIT - 1])).status_code == 429
