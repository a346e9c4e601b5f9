"""Whole pages cached for anonymous visitors (gallery/pagecache.py): served without
rendering, never to or from a signed-in visitor, never stale after a change, and
views still counted once per visitor."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gallery import pagecache
from gallery.models import Artwork
from tests.factories import make_artwork, make_collection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


def visitor(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 (a visitor)")


def queries_for(client: Client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.text, len(captured)


@pytest.mark.parametrize("url", ["/", "/?tab=trending", "/?q=comet", "/u/owner/", "collection"])
def test_an_anonymous_page_is_rendered_once_then_served_from_the_cache(owner, url):
    artworks = [make_artwork(owner, prompt=f"comet {n}") for n in range(3)]
    if url == "collection":
        url = make_collection(owner, artworks=artworks, name="Shelf").get_absolute_url()
    first, rendering = queries_for(visitor(), url)
    again, cached = queries_for(visitor("198.51.100.9"), url)
    assert again == first
    assert cached <= 1 < rendering  # at most the shared version is read


def test_the_artwork_page_is_cached_but_every_new_visitor_is_counted(owner):
    artwork = make_artwork(owner, prompt="lighthouse at night")
    url = artwork.get_absolute_url()
    first = visitor("203.0.113.1")
    _, rendering = queries_for(first, url)
    queries_for(first, url)  # the same visitor again: not counted again
    artwork.refresh_from_db()
    assert artwork.views_count == 1

    # New visitors share the cached page, and each is counted all the same.
    for number in range(2, 5):
        _, cached = queries_for(visitor(f"203.0.113.{number}"), url)
        assert cached < rendering
    artwork.refresh_from_db()
    assert artwork.views_count == 4


def test_signed_in_visitors_never_get_or_leave_a_cached_page(client, owner, other_user):
    make_artwork(owner, prompt="comet tail")
    anonymous_page = visitor().get("/").text
    assert "Log in" in anonymous_page

    client.force_login(other_user)
    signed_in_page = client.get("/").text
    assert "Log out" in signed_in_page and other_user.display_name in signed_in_page

    # ...and what the signed-in visitor saw was not kept for the next anonymous one.
    later = visitor("198.51.100.20").get("/").text
    assert "Log out" not in later and other_user.display_name not in later


def test_private_and_own_pages_never_reach_anonymous_visitors(client, owner):
    private = make_artwork(owner, prompt="secret sketch", visibility="private")
    client.force_login(owner)
    assert client.get(private.get_absolute_url()).status_code == 200
    assert visitor().get(private.get_absolute_url()).status_code == 404
    assert "secret sketch" not in visitor().get("/").text


def test_the_anonymous_artwork_page_carries_no_token_and_sets_no_cookie(owner):
    artwork = make_artwork(owner)
    response = visitor().get(artwork.get_absolute_url())
    assert "csrfmiddlewaretoken" not in response.text
    assert not response.cookies
    assert f'href="/accounts/login/?next=/a/{artwork.public_id}/"' in response.text


def test_a_change_shows_at_once(owner, django_capture_on_commit_callbacks):
    artwork = make_artwork(owner, prompt="first draft")
    assert "first draft" in visitor().get("/").text
    assert "first draft" in visitor().get(artwork.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        artwork.prompt = "second draft"
        artwork.save()
    assert "second draft" in visitor().get("/").text
    assert "second draft" in visitor().get(artwork.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        Artwork.objects.filter(pk=artwork.pk).set_visibility("private")
    assert "second draft" not in visitor().get("/").text
    assert visitor().get(artwork.get_absolute_url()).status_code == 404


def test_an_unlisted_collection_is_cached_as_any_visitor_sees_it(
    client, owner, django_capture_on_commit_callbacks
):
    shown = make_artwork(owner, prompt="open comet")
    hidden = make_artwork(owner, prompt="unlisted comet", visibility="unlisted")
    sketchbook = make_collection(owner, visibility="unlisted", artworks=[shown, hidden])
    url = sketchbook.get_absolute_url()
    client.force_login(owner)  # the owner's page, with the unlisted artwork, is not kept
    assert "unlisted comet" in client.get(url).text
    first = visitor().get(url)
    assert "open comet" in first.text and "unlisted comet" not in first.text
    again = visitor("198.51.100.9").get(url)
    assert again.text == first.text and again["X-Robots-Tag"] == "noindex"

    with django_capture_on_commit_callbacks(execute=True):
        sketchbook.visibility = "private"
        sketchbook.save()
    assert visitor().get(url).status_code == 404


def test_a_visitor_with_messages_waiting_gets_a_fresh_page(owner):
    make_artwork(owner, prompt="comet")
    visitor().get("/")
    client = visitor()
    client.cookies["messages"] = "anything"
    _, rendering = queries_for(client, "/")
    assert rendering > 1


def test_no_page_cache_when_turned_off(settings, owner):
    settings.PAGE_CACHE_SECONDS = 0
    make_artwork(owner, prompt="comet")
    queries_for(visitor(), "/")
    _, again = queries_for(visitor(), "/")
    assert again > 1


def test_a_sign_in_does_not_empty_the_cache(client, owner, django_capture_on_commit_callbacks):
    make_artwork(owner, prompt="comet")
    visitor().get("/")
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(owner)  # saves last_login
    _, queries = queries_for(visitor("198.51.100.3"), "/")
    assert queries <= 1


def test_a_cached_embed_may_still_be_framed_by_other_sites(owner):
    artwork = make_artwork(owner)
    url = f"/a/{artwork.public_id}/embed/"
    first = visitor().get(url)
    _, queries = queries_for(visitor("198.51.100.4"), url)
    again = visitor("198.51.100.5").get(url)
    assert queries <= 1
    assert again.content == first.content
    for response in (first, again):
        assert "frame-ancestors *" in response["Content-Security-Policy"]
        assert "X-Frame-Options" not in response
        assert "public" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_without_the_shared_cache_pages_are_rendered_and_changes_saved(settings, caplog):
    """The version lives in the shared cache; when it cannot be reached (here: its table
    was never created), saving still works and every page is rendered afresh."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        },
    }
    artwork = make_artwork(prompt="saved anyway")
    for address in ("203.0.113.50", "203.0.113.51"):
        page, queries = queries_for(visitor(address), "/")
        assert "saved anyway" in page
        assert queries > 1
    assert Artwork.objects.get(pk=artwork.pk).prompt == "saved anyway"
    assert "page cache's version could not be read" in caplog.text


def test_another_spelling_of_the_host_never_reaches_other_visitors(settings, owner):
    """Pages print absolute URLs; Django allows any port and case of an allowed host."""
    settings.ALLOWED_HOSTS = ["gallery.example"]
    artwork = make_artwork(owner)
    url = f"/a/{artwork.public_id}/embed/"
    poisoned = visitor().get(url, headers={"host": "gallery.example:6666"})
    assert "gallery.example:6666" in poisoned.text
    clean = visitor("198.51.100.77").get(url, headers={"host": "gallery.example"})
    assert "gallery.example:6666" not in clean.text
    assert "http://gallery.example/a/" in clean.text


@pytest.mark.django_db(transaction=True)
def test_a_visitor_during_a_bulk_change_cannot_cache_the_old_rows(monkeypatch):
    """A visitor whose page is built just before the UPDATE must not keep the artwork
    listed afterwards: pages are forgotten after the change, not before it."""
    artwork = make_artwork(prompt="about to be private")
    update = QuerySet.update

    def update_after_a_visit(queryset, **changes):
        if queryset.model is Artwork and "visibility" in changes:
            assert "about to be private" in visitor("203.0.113.60").get("/").text
        return update(queryset, **changes)

    monkeypatch.setattr(QuerySet, "update", update_after_a_visit)
    Artwork.objects.filter(pk=artwork.pk).set_visibility("private")
    assert "about to be private" not in visitor("203.0.113.61").get("/").text
    assert visitor().get(f"/a/{artwork.public_id}/embed/").status_code == 404


def test_a_change_of_many_rows_forgets_the_pages_once(owner, django_capture_on_commit_callbacks):
    artworks = [make_artwork(owner) for _ in range(10)]
    make_collection(owner, artworks=artworks)
    with django_capture_on_commit_callbacks() as callbacks:
        owner.delete()  # its artworks, collection and items go with it
    forgets = [c for c in callbacks if c.__qualname__.startswith("forget_all.")]
    assert len(forgets) == 1  # for the account, not one per artwork and item


@pytest.mark.parametrize(
    "mark",
    [
        lambda response: response.set_cookie("seen", "1"),
        lambda response: response.headers.__setitem__("Cache-Control", "private"),
        lambda response: response.headers.__setitem__("Cache-Control", "max-age=0, no-store"),
    ],
    ids=["sets a cookie", "private", "no-store"],
)
def test_a_page_meant_for_one_visitor_is_never_kept(rf, mark):
    rendered = []

    def render():
        response = HttpResponse(f"page {len(rendered)}")
        rendered.append(response)
        mark(response)
        return response

    first = pagecache.serve(rf.get("/somewhere/"), render)
    second = pagecache.serve(rf.get("/somewhere/"), render)
    assert (first.content, second.content) == (b"page 0", b"page 1")


def test_an_expired_page_is_renewed_by_one_request_while_others_get_it(rf, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr("gallery.pagecache.time.time", lambda: clock[0])
    rendered = []

    def render():
        rendered.append(1)
        return HttpResponse(f"page {len(rendered)}")

    def page() -> bytes:
        return pagecache.serve(rf.get("/gallery/"), render).content

    assert (page(), page()) == (b"page 1", b"page 1")
    clock[0] += 31  # past PAGE_CACHE_SECONDS
    with pagecache._renewing:  # another request is renewing it right now
        assert page() == b"page 1"
    assert page() == b"page 2"  # this one renews it
    assert page() == b"page 2"
