"""gallery/access.py: who may open or list what, along the ladder
anonymous -> other user -> owner -> staff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from gallery import access
from tests.factories import make_artwork, make_collection

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()


@pytest.fixture
def artworks(owner):
    return {
        visibility: make_artwork(owner, visibility=visibility, prompt=f"a {visibility} one")
        for visibility in ("public", "unlisted", "private")
    }


def opens(user, artwork) -> bool:
    try:
        return access.artwork_for_viewer(user, artwork.public_id) == artwork
    except Http404:
        return False


def test_who_may_open_an_artwork_by_its_url(artworks, owner, other_user, staff_user):
    public, unlisted, private = artworks.values()
    for user in (ANONYMOUS, other_user):
        assert [opens(user, a) for a in (public, unlisted, private)] == [True, True, False]
    for user in (owner, staff_user):
        assert [opens(user, a) for a in (public, unlisted, private)] == [True, True, True]
    # Third parties (oEmbed) never see a private artwork, whoever asks.
    with pytest.raises(Http404):
        access.artwork_for_anyone(private.public_id)
    assert access.artwork_for_anyone(unlisted.public_id) == unlisted


def test_studio_helpers_give_only_ones_own(artworks, owner, other_user):
    public = artworks["public"]
    assert access.own_artwork(owner, public.public_id) == public
    with pytest.raises(Http404):
        access.own_artwork(other_user, public.public_id)
    collection = make_collection(owner)
    with pytest.raises(Http404):
        access.own_collection(other_user, collection.public_id)


def test_who_may_open_a_collection_by_its_url(owner, other_user, staff_user):
    public, unlisted, private = (
        make_collection(owner, visibility=visibility)
        for visibility in ("public", "unlisted", "private")
    )

    def opens(user, collection) -> bool:
        try:
            return access.collection_for_viewer(user, collection.public_id) == collection
        except Http404:
            return False

    for user in (ANONYMOUS, other_user):
        assert [opens(user, c) for c in (public, unlisted, private)] == [True, True, False]
    for user in (owner, staff_user):
        assert [opens(user, c) for c in (public, unlisted, private)] == [True, True, True]
    # Only a public one may be listed (and reported), for everyone, its owner too.
    assert access.listed_collection(public.public_id) == public
    for hidden in (unlisted, private):
        with pytest.raises(Http404):
            access.listed_collection(hidden.public_id)


def test_a_collection_lists_unlisted_items_only_to_their_owner(owner, other_user, staff_user):
    curator = other_user
    theirs = make_artwork(owner, prompt="someone else's, public when collected")
    mine = make_artwork(curator, visibility="unlisted", prompt="the curator's own unlisted")
    collection = make_collection(curator, artworks=[theirs, mine])
    theirs.visibility = "unlisted"
    theirs.save()

    def listed(user):
        return list(access.collection_items_for(user, collection))

    assert listed(ANONYMOUS) == []
    # The curator sees their own unlisted artwork, never someone else's unlisted URL.
    assert listed(curator) == [mine]
    assert listed(owner) == [theirs]
    assert listed(staff_user) == [theirs, mine]


def test_a_remix_links_its_source_only_where_it_may_be_listed(owner, other_user, staff_user):
    source = make_artwork(owner, visibility="unlisted")
    remix = make_artwork(other_user, remixed_from=source)
    assert access.remix_source_for(ANONYMOUS, remix) is None
    assert access.remix_source_for(other_user, remix) is None
    assert access.remix_source_for(owner, remix) == source
    assert access.remix_source_for(staff_user, remix) == source


def test_collections_take_public_artworks_and_their_owners_own(artworks, owner, other_user):
    mine = make_collection(owner)
    theirs = make_collection(other_user)
    assert list(access.collections_to_add_to(owner, artworks["private"])) == [mine]
    assert list(access.collections_to_add_to(other_user, artworks["public"])) == [theirs]
    assert list(access.collections_to_add_to(other_user, artworks["unlisted"])) == []
    assert list(access.collections_to_add_to(ANONYMOUS, artworks["public"])) == []


def test_the_editor_links_a_remix_source_only_where_the_artwork_page_would(
    client, owner, other_user
):
    from django.urls import reverse

    source = make_artwork(owner, prompt="the original, now unlisted")
    remix = make_artwork(other_user, remixed_from=source)
    source.visibility = "unlisted"
    source.save()
    client.force_login(other_user)
    for url in (remix.get_absolute_url(), reverse("gallery:studio_edit", args=[remix.public_id])):
        page = client.get(url)
        assert page.status_code == 200
        assert "Remix of an artwork that is not public" in page.text
        assert source.get_absolute_url() not in page.text
