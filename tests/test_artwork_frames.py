"""The artwork page's frames travel apart from the page: compact JSON under a versioned
URL, cached by whoever may keep it, gzipped, while the page shows the first frame."""

from __future__ import annotations

import gzip
import json
import random
import re
import string
from html import escape, unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import json_script

from gallery.frames import FRAME_SEPARATOR, frames_url
from gallery.models import Artwork, ArtworkView
from tests.factories import make_artwork, make_share
from tests.htmlforms import form_data

pytestmark = pytest.mark.django_db

IMMUTABLE = "private, max-age=31536000, immutable"  # never in a shared cache
REVALIDATE = "private, no-cache"
# Printable and varied, so that the frames do not compress to nothing.
ART_CHARACTERS = string.ascii_letters + string.digits + string.punctuation + " "


def random_frames(count: int, width: int, height: int, seed: int = 12) -> list[str]:
    chooser = random.Random(seed)
    return [
        "\n".join("".join(chooser.choices(ART_CHARACTERS, k=width)) for _ in range(height))
        for _ in range(count)
    ]


@pytest.fixture
def big_artwork(owner):
    """The artwork of issue 12's measurement: 72 frames of 120x40."""
    return make_artwork(owner, frames=random_frames(72, 120, 40), width=120, height=40, fps=12)


def frames_url_on(page: str) -> str:
    found = re.search(r'data-frames-url="([^"]+)"', page)
    assert found, "the page names no frames URL"
    return unescape(found.group(1))


def as_inline_json(text: str) -> str:
    """`text` as the page's json_script would carry it (inside its quotes)."""
    return str(json_script(text)).split(">", 1)[1].rsplit("<", 1)[0][1:-1]


def shows_line(page: str, line: str) -> bool:
    return escape(line) in page or as_inline_json(line) in page


# --- The page ---------------------------------------------------------------------------


def test_the_artwork_page_is_small_and_leaves_the_frames_out(client, big_artwork):
    """The page of a 72-frame 120x40 artwork of random printable characters measured
    10,886 bytes uncompressed, 6,272 gzipped (the first frame, escaped, is 5,961 of
    them); with every frame inline it was 424,540 bytes, 311,091 gzipped. The bound
    leaves room for a bigger header or footer, not for a second frame."""
    response = client.get(big_artwork.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    first, second = big_artwork.frames[0], big_artwork.frames[1]
    assert f">{escape(first)}</pre>" in page  # the still, readable without JavaScript
    assert len(response.content) < 16_000, len(response.content)
    assert 'id="player-frames"' not in page
    assert not any(shows_line(page, line) for line in second.split("\n"))
    assert frames_url_on(page) == frames_url(big_artwork)


def test_a_share_page_and_an_embed_keep_their_frames_inline(client, big_artwork):
    # A separate URL would get around a share's view limit; an embed is one request.
    second_line = big_artwork.frames[1].split("\n")[0]
    share = make_share(big_artwork)
    for url in (
        reverse("gallery:share", args=[share.code]),
        reverse("gallery:artwork_embed", args=[big_artwork.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'id="player-frames"' in response.text and shows_line(response.text, second_line)
        assert "data-frames-url" not in response.text


# --- The frames -------------------------------------------------------------------------


def test_the_frames_url_answers_the_frames_as_compact_json(client, big_artwork):
    url = frames_url_on(client.get(big_artwork.get_absolute_url()).text)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == json.dumps(big_artwork.frames, separators=(",", ":")).encode()
    assert response["X-Robots-Tag"] == "noindex"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"].strip('"') in url


def test_non_ascii_frames_travel_as_utf8(client, owner):
    artwork = make_artwork(owner, frames=["░▒▓█", "█▓▒░"], width=4, height=1)
    response = client.get(frames_url(artwork))
    assert response.content.decode() == '["░▒▓█","█▓▒░"]'


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_an_open_artworks_versioned_frames_are_cached_for_good(client, owner, visibility):
    artwork = make_artwork(owner, visibility=visibility)
    response = client.get(frames_url(artwork))
    assert response.status_code == 200
    assert response["Cache-Control"] == IMMUTABLE
    assert json.loads(response.content) == artwork.frames


@pytest.mark.parametrize(
    ("viewer", "status"),
    [(None, 404), ("other_user", 404), ("owner", 200), ("staff_user", 200)],
)
def test_private_frames_follow_the_ladder_and_stay_out_of_shared_caches(
    client, request, owner, viewer, status
):
    artwork = make_artwork(owner, visibility="private", frames=["secret", "frames"], width=6)
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    response = client.get(frames_url(artwork))
    assert response.status_code == status
    if status == 200:
        assert json.loads(response.content) == ["secret", "frames"]
        assert response["Cache-Control"] == REVALIDATE
    else:
        assert b"secret" not in response.content


@pytest.mark.parametrize("query", [{}, {"v": "0123456789abcdef"}, {"v": ["a", "b"]}, {"v": "é"}])
def test_a_wrong_or_missing_version_answers_uncached(client, owner, query):
    artwork = make_artwork(owner)
    response = client.get(reverse("gallery:artwork_frames", args=[artwork.public_id]), query)
    assert response.status_code == 200
    assert response["Cache-Control"] == REVALIDATE
    assert json.loads(response.content) == artwork.frames


def test_the_etag_answers_304(client, owner):
    artwork = make_artwork(owner)
    url = frames_url(artwork)
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert (response["ETag"], response["Cache-Control"]) == (etag, IMMUTABLE)
    assert client.get(url, HTTP_IF_NONE_MATCH='"another"').status_code == 200


def test_the_frames_are_gzipped_for_a_client_that_asks(client, big_artwork):
    url = frames_url(big_artwork)
    plain = client.get(url).content
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain
    # Even random characters shrink (a byte carries about 6.6 bits of them).
    assert len(response.content) < 0.9 * len(plain)
    # The compressed copy's ETag is weak, and still answers 304.
    assert response["ETag"].startswith("W/")
    again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_editing_the_frames_changes_the_version(client, owner):
    artwork = make_artwork(owner, frames=["(o)", "(-)"], width=3)
    old_url, old_etag = frames_url(artwork), client.get(frames_url(artwork))["ETag"]
    client.force_login(owner)
    edit = reverse("gallery:studio_edit", args=[artwork.public_id])
    data = form_data(client.get(edit).text, action_contains=edit)
    data["frames_text"] = [f"(o)\n{FRAME_SEPARATOR}\n(O)"]
    assert client.post(edit, data).status_code == 302

    artwork.refresh_from_db()
    assert artwork.frames == ["(o)", "(O)"]
    new_url = frames_url(artwork)
    assert new_url != old_url
    assert frames_url_on(client.get(artwork.get_absolute_url()).text) == new_url
    response = client.get(old_url, HTTP_IF_NONE_MATCH=old_etag)
    assert response.status_code == 200  # the old version is not the frames any more
    assert response["Cache-Control"] == REVALIDATE
    assert json.loads(response.content) == ["(o)", "(O)"]
    assert client.get(new_url)["Cache-Control"] == IMMUTABLE


def test_making_an_artwork_private_stops_the_shared_caching(client, owner):
    artwork = make_artwork(owner)
    Artwork.objects.filter(pk=artwork.pk).set_visibility("private")
    artwork.refresh_from_db()
    client.force_login(owner)
    assert client.get(frames_url(artwork))["Cache-Control"] == REVALIDATE


def test_fetching_the_frames_counts_no_view(client, big_artwork):
    client.get(frames_url(big_artwork))
    big_artwork.refresh_from_db()
    assert big_artwork.views_count == 0
    assert not ArtworkView.objects.filter(artwork=big_artwork).exists()


def test_only_the_frames_and_what_guards_them_are_read(client, big_artwork):
    url = frames_url(big_artwork)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    [query] = [q["sql"] for q in queries if "gallery_artwork" in q["sql"]]
    selected = query.split(" FROM ")[0]
    assert '"frames"' in selected
    for heavy in ('"prompt"', '"search_vector"', '"poster_frame"', "accounts_user"):
        assert heavy not in query
