"""Feeds: valid XML, public work only, links that resolve."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_artwork

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


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


# --- Discovery links ------------------------------------------------------------------


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
