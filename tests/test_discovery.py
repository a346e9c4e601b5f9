"""Feeds, sitemaps and robots.txt: valid XML, public work only, links that resolve."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gallery.sitemaps import ArtworkSitemap
from tests.factories import make_artwork, make_collection, make_user

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetch_xml(client, url: str, content_type: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    return ET.fromstring(response.content)


def fetch_feed(client, url: str) -> ET.Element:
    feed = fetch_xml(client, url, "application/atom+xml; charset=utf-8")
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    return feed


def entry_titles(feed: ET.Element) -> list[str]:
    return [
        entry.findtext("atom:title", namespaces=ATOM) for entry in feed.iterfind("atom:entry", ATOM)
    ]


def sitemap_paths(client, url: str) -> list[str]:
    urlset = fetch_xml(client, url, "application/xml")
    return [path_of(loc.text) for loc in urlset.iterfind("sm:url/sm:loc", SITEMAP)]


@pytest.fixture
def works(owner, other_user):
    now = timezone.now()
    return {
        "old": make_artwork(owner, prompt="old comet", created_at=now - timedelta(days=2)),
        "new": make_artwork(owner, prompt="new comet", created_at=now - timedelta(days=1)),
        "unlisted": make_artwork(owner, prompt="unlisted comet", visibility="unlisted"),
        "private": make_artwork(owner, prompt="private comet", visibility="private"),
        "theirs": make_artwork(
            other_user, prompt="their comet", created_at=now - timedelta(hours=1)
        ),
    }


# --- Feeds ----------------------------------------------------------------------------


def test_site_feed_lists_public_artworks_newest_first(client, works):
    feed = fetch_feed(client, "/feed.atom")
    assert entry_titles(feed) == ["their comet", "new comet", "old comet"]


def test_profile_feed_lists_only_that_creators_public_artworks(client, works):
    feed = fetch_feed(client, "/u/owner/feed.atom")
    assert entry_titles(feed) == ["new comet", "old comet"]
    assert feed.findtext("atom:title", namespaces=ATOM) == "ASCII-art animations by owner"


def test_profile_feed_of_an_unknown_or_inactive_user_answers_404(client, works, other_user):
    assert client.get("/u/nobody/feed.atom").status_code == 404
    other_user.is_active = False
    other_user.save()
    assert client.get("/u/other/feed.atom").status_code == 404


def test_feed_entries_carry_author_dates_and_the_png_poster(client, works):
    feed = fetch_feed(client, "/u/owner/feed.atom")
    entry = feed.find("atom:entry", ATOM)
    new = works["new"]
    link = entry.find("atom:link[@rel='alternate']", ATOM).get("href")
    assert path_of(link) == f"/a/{new.public_id}/"
    assert entry.findtext("atom:author/atom:name", namespaces=ATOM) == "owner"
    assert path_of(entry.findtext("atom:author/atom:uri", namespaces=ATOM)) == "/u/owner/"
    assert entry.findtext("atom:published", namespaces=ATOM).startswith(
        new.created_at.strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert entry.findtext("atom:updated", namespaces=ATOM)
    poster = entry.find("atom:link[@rel='enclosure']", ATOM)
    assert poster.get("type") == "image/png"
    assert path_of(poster.get("href")).startswith(f"/a/{new.public_id}/export.png?v=")
    summary = entry.find("atom:summary", ATOM)
    assert summary.get("type") == "html"
    assert f'<img src="{poster.get("href")}"' in summary.text


@pytest.mark.storage  # the poster is drawn and stored in S3
def test_feed_links_resolve(client, works):
    feed = fetch_feed(client, "/feed.atom")
    entry = feed.find("atom:entry", ATOM)
    for href in (
        entry.find("atom:link[@rel='alternate']", ATOM).get("href"),
        entry.find("atom:link[@rel='enclosure']", ATOM).get("href"),
        entry.findtext("atom:author/atom:uri", namespaces=ATOM),
        feed.find("atom:link[@rel='self']", ATOM).get("href"),
    ):
        response = client.get(path_of(href))
        assert response.status_code == 200, href
    poster = client.get(path_of(entry.find("atom:link[@rel='enclosure']", ATOM).get("href")))
    assert poster["Content-Type"] == "image/png"


def test_feed_escapes_prompts(client, owner):
    prompt = 'a <b>bold</b> & "quoted" ]]> comet'
    make_artwork(owner, prompt=prompt)
    feed = fetch_feed(client, "/feed.atom")
    assert entry_titles(feed) == [prompt]
    summary = feed.findtext("atom:entry/atom:summary", namespaces=ATOM)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in summary
    assert "<b>" not in summary


def test_feed_reads_no_frames_and_a_fixed_number_of_queries(client, owner):
    make_artwork(owner)
    with CaptureQueriesContext(connection) as one:
        fetch_feed(client, "/u/owner/feed.atom")
    for _ in range(4):
        make_artwork(owner)
    with CaptureQueriesContext(connection) as five:
        assert len(entry_titles(fetch_feed(client, "/u/owner/feed.atom"))) == 5
    assert len(five) == len(one)
    assert not any('"gallery_artwork"."frames"' in query["sql"] for query in five)


def test_a_new_public_artwork_reaches_the_cached_feed(
    client, owner, page_cache, django_capture_on_commit_callbacks
):
    first = make_artwork(owner, prompt="first comet")
    assert entry_titles(fetch_feed(client, "/feed.atom")) == ["first comet"]
    # Straight from the cache: a change the signals do not see is not shown.
    type(first).objects.filter(pk=first.pk).update(prompt="renamed comet")
    assert entry_titles(fetch_feed(client, "/feed.atom")) == ["first comet"]
    with django_capture_on_commit_callbacks(execute=True):
        make_artwork(owner, prompt="second comet")
    assert entry_titles(fetch_feed(client, "/feed.atom")) == ["second comet", "renamed comet"]


# --- Sitemaps -------------------------------------------------------------------------


def test_sitemap_index_names_each_section(client, works):
    index = fetch_xml(client, "/sitemap.xml", "application/xml")
    sections = [path_of(loc.text) for loc in index.iterfind("sm:sitemap/sm:loc", SITEMAP)]
    assert sections == [
        "/sitemap-artworks.xml",
        "/sitemap-collections.xml",
        "/sitemap-profiles.xml",
    ]


def test_sitemap_sections_list_public_objects_only(client, works, owner):
    shelf = make_collection(owner, name="Open shelf", artworks=[works["old"]])
    drawer = make_collection(owner, name="Drawer", visibility="private")
    make_collection(owner, name="Sketchbook", visibility="unlisted", artworks=[works["old"]])
    hidden_away = make_user(username="quiet")
    make_artwork(hidden_away, visibility="private")
    make_user(username="idle")
    # A deactivated creator's profile answers 404; their public artworks stay listed,
    # as in the gallery.
    gone = make_user(username="gone", is_active=False)
    left_behind = make_artwork(gone)

    artworks = sitemap_paths(client, "/sitemap-artworks.xml")
    assert sorted(artworks) == sorted(
        [
            *(f"/a/{works[name].public_id}/" for name in ("old", "new", "theirs")),
            left_behind.get_absolute_url(),
        ]
    )
    collections = sitemap_paths(client, "/sitemap-collections.xml")
    assert collections == [shelf.get_absolute_url()]
    assert drawer.get_absolute_url() not in collections
    assert sitemap_paths(client, "/sitemap-profiles.xml") == ["/u/owner/", "/u/other/"]


def test_sitemap_links_resolve(client, works, owner):
    make_collection(owner, artworks=[works["old"]])
    for section in ("artworks", "collections", "profiles"):
        paths = sitemap_paths(client, f"/sitemap-{section}.xml")
        assert paths
        for path in paths:
            assert client.get(path).status_code == 200, path


def test_sitemap_pages_are_ranges_of_ids_without_counting(client, owner, monkeypatch):
    monkeypatch.setattr(ArtworkSitemap, "limit", 2)
    artworks = [make_artwork(owner) for _ in range(5)]
    artworks[1].visibility = "private"
    artworks[1].save()
    first_pk = artworks[0].pk
    with CaptureQueriesContext(connection) as queries:
        index = fetch_xml(client, "/sitemap.xml", "application/xml")
    assert not any("COUNT(" in query["sql"].upper() for query in queries)
    sections = [path_of(loc.text) for loc in index.iterfind("sm:sitemap/sm:loc", SITEMAP)]
    pages = [path for path in sections if path.startswith("/sitemap-artworks.xml")]
    last = -(-artworks[-1].pk // 2)
    assert pages == ["/sitemap-artworks.xml"] + [
        f"/sitemap-artworks.xml?p={number}" for number in range(2, last + 1)
    ]
    listed = [path for page in pages for path in sitemap_paths(client, page)]
    assert listed == [
        artwork.get_absolute_url() for artwork in artworks if artwork.pk != artworks[1].pk
    ]
    page_of_first = -(-first_pk // 2)
    assert artworks[0].get_absolute_url() in sitemap_paths(
        client, f"/sitemap-artworks.xml?p={page_of_first}"
    )
    assert client.get(f"/sitemap-artworks.xml?p={last + 1}").status_code == 404
    assert client.get("/sitemap-artworks.xml?p=last").status_code == 404


def test_unknown_sitemap_section_answers_404(client):
    assert client.get("/sitemap-users.xml").status_code == 404


# --- robots.txt and discovery links ---------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(client):
    response = client.get("/robots.txt", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    for private in ("/studio/", "/settings/", "/accounts/", "/admin/", "/s/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /" not in lines
    assert "Sitemap: https://testserver/sitemap.xml" in lines


def alternate_links(html: str) -> list[str]:
    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if (
                tag == "link"
                and attrs.get("rel") == "alternate"
                and attrs.get("type") == "application/atom+xml"
            ):
                found.append(attrs["href"])

    Links().feed(html)
    return found


def test_home_page_links_the_site_feed(client, works):
    response = client.get("/")
    assert response.status_code == 200
    assert alternate_links(response.text) == ["/feed.atom"]


def test_profile_page_links_its_own_feed(client, works):
    response = client.get("/u/owner/")
    assert response.status_code == 200
    assert alternate_links(response.text) == ["/u/owner/feed.atom"]
