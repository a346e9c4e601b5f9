"""The visitor pages the foundation serves: gallery home, artwork, collection."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gallery.frames import frames_url
from tests.factories import make_artwork, make_collection

pytestmark = pytest.mark.django_db


@pytest.fixture
def artworks(owner):
    return {
        visibility: make_artwork(owner, prompt=f"a {visibility} lighthouse", visibility=visibility)
        for visibility in ("public", "unlisted", "private")
    }


def test_home_lists_only_public_artworks(client, artworks):
    page = client.get(reverse("gallery:home")).text
    assert "a public lighthouse" in page
    assert "a unlisted lighthouse" not in page
    assert "a private lighthouse" not in page


def test_home_shows_the_first_frame_server_rendered(client, owner):
    make_artwork(owner, frames=["<o>", "-o-"], width=3, height=1)
    page = client.get(reverse("gallery:home")).text
    assert "&lt;o&gt;" in page  # escaped, in the card's <pre>
    assert "0.25 s" in page  # two frames at 8 fps


def test_home_has_an_empty_state(client, db):
    response = client.get(reverse("gallery:home"))
    assert response.status_code == 200
    assert "No public artworks yet" in response.text


def test_home_paginates_24_a_page(client, owner):
    for number in range(25):
        make_artwork(owner, prompt=f"wave number {number:02d}")
    first = client.get(reverse("gallery:home")).text
    second = client.get(reverse("gallery:home"), {"page": 2}).text
    assert "wave number 24" in first and "wave number 00" not in first
    assert "wave number 00" in second and "Page 2 of 2" in second
    # A nonsense page number shows a page instead of an error.
    assert client.get(reverse("gallery:home"), {"page": "zzz"}).status_code == 200


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        (None, {"public", "unlisted"}),
        ("other_user", {"public", "unlisted"}),
        ("owner", {"public", "unlisted", "private"}),
        ("staff_user", {"public", "unlisted", "private"}),
    ],
)
def test_artwork_page_follows_the_visibility_ladder(client, request, artworks, viewer, visible):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    for visibility, artwork in artworks.items():
        response = client.get(artwork.get_absolute_url())
        expected = 200 if visibility in visible else 404
        assert response.status_code == expected, (viewer, visibility)


def test_artwork_page_plays_its_frames(client, owner):
    artwork = make_artwork(owner, frames=["one", "two"], width=3, height=1, fps=12)
    page = client.get(artwork.get_absolute_url()).text
    assert '<pre class="player-screen"' in page and ">one</pre>" in page
    # The frames come apart from the page, versioned (tests/test_artwork_frames.py).
    assert f'data-frames-url="{frames_url(artwork)}"' in page
    assert 'id="player-frames"' not in page
    assert 'data-fps="12"' in page
    assert "js/player.js" in page


def test_unlisted_artworks_are_not_indexed(client, artworks):
    response = client.get(artworks["unlisted"].get_absolute_url())
    assert response["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in client.get(artworks["public"].get_absolute_url())


def test_unknown_artwork_is_a_404_page(client, db):
    response = client.get("/a/doesnotexist/")
    assert response.status_code == 404
    assert "Nothing here" in response.text


@pytest.mark.parametrize(
    ("viewer", "shown"),
    [
        (None, {"public"}),
        ("other_user", {"public"}),
        ("owner", {"public", "unlisted", "private"}),
        ("staff_user", {"public", "unlisted", "private"}),
    ],
)
def test_collection_lists_unlisted_and_private_items_only_to_its_owner(
    client, request, owner, artworks, viewer, shown
):
    collection = make_collection(owner, artworks=list(artworks.values()), name="Lighthouses")
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    page = client.get(collection.get_absolute_url()).text
    for visibility in ("public", "unlisted", "private"):
        assert (f"a {visibility} lighthouse" in page) == (visibility in shown), visibility


def test_collection_items_keep_their_order(client, owner):
    first = make_artwork(owner, prompt="first in line")
    second = make_artwork(owner, prompt="second in line")
    collection = make_collection(owner, artworks=[second, first])
    page = client.get(collection.get_absolute_url()).text
    assert page.index("second in line") < page.index("first in line")


def test_private_collection_is_404_for_others(client, owner, other_user):
    collection = make_collection(owner, visibility="private")
    assert client.get(collection.get_absolute_url()).status_code == 404
    client.force_login(other_user)
    assert client.get(collection.get_absolute_url()).status_code == 404
    client.force_login(owner)
    assert client.get(collection.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("viewer", [None, "other_user"])
def test_an_unlisted_collection_opens_by_its_url_and_is_listed_nowhere(
    client, request, owner, artworks, viewer
):
    sketchbook = make_collection(
        owner, name="Sketchbook", visibility="unlisted", artworks=list(artworks.values())
    )
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    response = client.get(sketchbook.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    assert "<h1>Sketchbook</h1>" in page and '<span class="badge">Unlisted</span>' in page
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in page
    # Its own unlisted and private artworks stay secrets (access.collection_items_for).
    assert "a public lighthouse" in page
    assert artworks["unlisted"].public_id not in page and "a private lighthouse" not in page

    profile = client.get("/u/owner/")
    assert profile.status_code == 200 and "<h1>owner</h1>" in profile.text
    public_page = client.get(artworks["public"].get_absolute_url())
    assert public_page.status_code == 200 and "<h1>a public lighthouse</h1>" in public_page.text
    for listing in (profile.text, public_page.text):
        assert "Sketchbook" not in listing and sketchbook.public_id not in listing


def test_a_public_collection_is_listed_on_the_artwork_page(client, owner, artworks):
    shelf = make_collection(owner, name="Open shelf", artworks=[artworks["public"]])
    page = client.get(artworks["public"].get_absolute_url()).text
    assert "In collections" in page and f'href="{shelf.get_absolute_url()}"' in page


def test_pages_refuse_framing(client, artworks):
    assert client.get(reverse("gallery:home"))["X-Frame-Options"] == "DENY"


def test_the_artwork_page_never_reads_the_frames(client, owner):
    """The player fetches them (frames.json); the page needs only the poster frame."""
    artwork = make_artwork(owner, frames=[f"{n:>3}" for n in range(200)], width=3, height=1)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(artwork.get_absolute_url()).text
    assert "  0" in page
    assert not any('"gallery_artwork"."frames"' in query["sql"] for query in captured)


def test_the_artwork_page_says_how_it_was_made_in_plain_words(client, owner):
    made = make_artwork(owner, generator="procedural", model="rain", frames=["a", "b"], fps=8)
    page = client.get(made.get_absolute_url()).text
    assert "Generated: the rain scene" in page
    assert "0.25 s, 2 frames at 8 per second" in page
    assert "Generator" not in page and "procedural" not in page.split("<h1")[1]
    assert "Updated" not in page  # never changed


@pytest.mark.parametrize(("visibility", "offered"),
                         [("public", True), ("unlisted", True), ("private", False)])  # fmt: skip
def test_a_copy_link_field_for_artworks_open_by_url(client, owner, visibility, offered):
    artwork = make_artwork(owner, visibility=visibility)
    client.force_login(owner)
    page = client.get(artwork.get_absolute_url()).text
    link = f'value="http://testserver{artwork.get_absolute_url()}"'
    assert (link in page) is offered
    assert ('data-copy="artwork-link"' in page) is offered
