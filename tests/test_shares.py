"""Share links, embeds and oEmbed."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from gallery.models import Share
from tests.commands import database_url
from tests.factories import make_artwork, make_share
from tests.servers import Gunicorn


def share_url(share: Share) -> str:
    return reverse("gallery:share", args=[share.code])


def views_used(share: Share) -> int:
    share.refresh_from_db()
    return share.view_count


# --- Managing links in the studio ---------------------------------------------------


@pytest.mark.django_db
def test_create_list_and_revoke_share_links(client, owner):
    artwork = make_artwork(owner, visibility="private")
    client.force_login(owner)
    url = reverse("gallery:studio_shares", args=[artwork.public_id])
    response = client.post(url, {"expiry": "1d", "max_views": "3"})
    assert response.status_code == 302
    share = Share.objects.get(artwork=artwork)
    assert share.max_views == 3
    assert timedelta(hours=23) < share.expires_at - timezone.now() <= timedelta(days=1)
    assert len(share.code) >= 22  # 128+ random bits, URL-safe
    page = client.get(url).text
    assert share_url(share) in page and "Live" in page and "0 / 3" in page

    client.post(reverse("gallery:studio_share_revoke", args=[share.pk]))
    share.refresh_from_db()
    assert share.status == Share.Status.REVOKED  # kept, marked revoked
    assert "Revoked" in client.get(url).text


@pytest.mark.django_db
def test_never_expiring_unlimited_link(client, owner):
    artwork = make_artwork(owner)
    client.force_login(owner)
    client.post(
        reverse("gallery:studio_shares", args=[artwork.public_id]),
        {"expiry": "never", "max_views": ""},
    )
    share = Share.objects.get()
    assert share.expires_at is None and share.max_views is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"expiry": "forever", "max_views": ""}, "Select a valid choice"),
        ({"expiry": "1h", "max_views": "0"}, "greater than or equal to 1"),
        ({"expiry": "1h", "max_views": "-3"}, "greater than or equal to 1"),
        ({"expiry": "1h", "max_views": "lots"}, "Enter a whole number"),
    ],
)
def test_bad_share_settings_are_form_errors(client, owner, data, message):
    artwork = make_artwork(owner)
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_shares", args=[artwork.public_id]), data)
    assert response.status_code == 400
    assert message in response.text
    assert not Share.objects.exists()


@pytest.mark.django_db
def test_only_the_owner_manages_links(client, owner, other_user):
    share = make_share(make_artwork(owner))
    client.force_login(other_user)
    url = reverse("gallery:studio_shares", args=[share.artwork.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"expiry": "1h"}).status_code == 404
    assert client.post(reverse("gallery:studio_share_revoke", args=[share.pk])).status_code == 404
    assert views_used(share) == 0 and share.revoked_at is None


# --- Opening a link ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_live_link_shows_even_a_private_artwork_and_counts_once(client, owner):
    artwork = make_artwork(owner, prompt="secret lighthouse", visibility="private")
    share = make_share(artwork, max_views=5)
    response = client.get(share_url(share))
    assert response.status_code == 200
    assert "secret lighthouse" in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert views_used(share) == 1
    artwork.refresh_from_db()
    assert artwork.views_count == 1  # also a view of the artwork
    assert "Only you see this" not in response.text  # statistics are the owner's


@pytest.mark.django_db
def test_the_owner_sees_statistics_without_using_views(client, owner):
    share = make_share(make_artwork(owner), max_views=2)
    client.get(share_url(share))
    client.force_login(owner)
    page = client.get(share_url(share)).text
    assert "Only you see this" in page and "1 view of 2 used" in page
    assert views_used(share) == 1


@pytest.mark.django_db
def test_unknown_code_is_404(client):
    assert client.get("/s/no-such-code-at-all-anywhere/").status_code == 404


@pytest.mark.django_db
def test_a_used_up_link_answers_410(client, owner):
    share = make_share(make_artwork(owner), max_views=2)
    assert client.get(share_url(share)).status_code == 200
    assert client.get(share_url(share)).status_code == 200
    response = client.get(share_url(share))
    assert response.status_code == 410
    assert "viewed as many times as it allows" in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert views_used(share) == 2


@pytest.mark.django_db
def test_an_expired_link_answers_410(client, owner):
    share = make_share(make_artwork(owner), expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(share_url(share))
    assert response.status_code == 410
    assert "has expired" in response.text
    assert views_used(share) == 0


@pytest.mark.django_db
def test_a_revoked_link_and_its_embed_answer_410(client, owner):
    share = make_share(make_artwork(owner))
    Share.objects.filter(pk=share.pk).revoke()
    response = client.get(share_url(share))
    assert response.status_code == 410 and "revoked" in response.text
    embed = client.get(reverse("gallery:share_embed", args=[share.code]))
    assert embed.status_code == 410


@pytest.mark.django_db
def test_share_embed_counts_views_like_the_page(client, owner):
    artwork = make_artwork(owner, prompt="secret lighthouse", visibility="private")
    share = make_share(artwork, max_views=1)
    response = client.get(reverse("gallery:share_embed", args=[share.code]))
    assert response.status_code == 200
    assert 'class="embed-credit"' in response.text and "secret lighthouse" in response.text
    assert response["Content-Security-Policy"].endswith("; frame-ancestors *")
    assert "X-Frame-Options" not in response
    assert client.get(reverse("gallery:share_embed", args=[share.code])).status_code == 410
    assert views_used(share) == 1


# --- Embeds -------------------------------------------------------------------------


@pytest.mark.django_db
def test_embed_pages_may_be_framed_and_others_may_not(client, owner):
    artwork = make_artwork(owner)
    embed = client.get(reverse("gallery:artwork_embed", args=[artwork.public_id]))
    assert embed.status_code == 200
    assert 'class="embed-credit"' in embed.text and artwork.prompt in embed.text
    assert embed["Content-Security-Policy"].endswith("; frame-ancestors *")
    assert "X-Frame-Options" not in embed
    for url in ("/", artwork.get_absolute_url(), "/accounts/login/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Content-Security-Policy"].endswith("frame-ancestors 'none'"), url
        assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_embeds_have_a_heading_for_screen_readers(client, owner):
    artwork = make_artwork(owner, prompt="a dancing <cat>")
    embed = client.get(reverse("gallery:artwork_embed", args=[artwork.public_id])).text
    assert '<h1 class="visually-hidden">a dancing &lt;cat&gt;</h1>' in embed
    share = make_share(artwork)
    shared = client.get(reverse("gallery:share_embed", args=[share.code])).text
    assert '<h1 class="visually-hidden">a dancing &lt;cat&gt;</h1>' in shared
    Share.objects.filter(pk=share.pk).revoke()
    gone = client.get(reverse("gallery:share_embed", args=[share.code])).text
    assert "<h1" in gone


@pytest.mark.django_db
def test_embed_options(client, owner):
    artwork = make_artwork(owner)
    url = reverse("gallery:artwork_embed", args=[artwork.public_id])
    response = client.get(url)
    assert response.status_code == 200
    default = response.text
    assert "data-player " in default  # the player is there, with its default options
    assert 'data-autoplay="0"' not in default and 'data-loop="0"' not in default
    quiet = client.get(url, {"autoplay": "0", "loop": "0", "theme": "light"}).text
    assert 'data-autoplay="0"' in quiet and 'data-loop="0"' in quiet
    assert 'data-theme="light"' in quiet
    assert 'data-theme="system"' in client.get(url, {"theme": "<script>"}).text


@pytest.mark.django_db
def test_embed_follows_visibility(client, owner, other_user):
    private = make_artwork(owner, visibility="private")
    url = reverse("gallery:artwork_embed", args=[private.public_id])
    assert client.get(url).status_code == 404
    client.force_login(other_user)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_artwork_page_offers_an_embed_snippet(client, owner):
    artwork = make_artwork(owner)
    page = client.get(artwork.get_absolute_url()).text
    assert "&lt;iframe src=&quot;http://testserver/a/" in page
    private = make_artwork(owner, prompt="a private sketch", visibility="private")
    client.force_login(owner)
    response = client.get(private.get_absolute_url())
    assert response.status_code == 200
    assert "<h1>a private sketch</h1>" in response.text
    assert "Embed on your page" not in response.text


# --- oEmbed --------------------------------------------------------------------------

OEMBED_REQUIRED = {"version", "type", "html", "width", "height"}


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_oembed_describes_public_and_unlisted_artworks(client, owner, visibility):
    artwork = make_artwork(owner, prompt="a tiny comet", visibility=visibility)
    url = f"http://testserver{artwork.get_absolute_url()}"
    response = client.get("/oembed", {"url": url, "format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) >= OEMBED_REQUIRED
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert isinstance(data["width"], int) and isinstance(data["height"], int)
    assert data["title"] == "a tiny comet"
    assert data["author_name"] == owner.display_name
    assert data["provider_name"] == "asciigallery"
    src = f'src="http://testserver/a/{artwork.public_id}/embed/"'
    assert data["html"].startswith("<iframe ") and src in data["html"]


@pytest.mark.django_db
def test_oembed_respects_maxwidth_and_maxheight(client, owner):
    artwork = make_artwork(owner, frames=["x" * 200], width=200, height=1)
    url = f"http://testserver{artwork.get_absolute_url()}"
    full = client.get("/oembed", {"url": url}).json()
    small = client.get("/oembed", {"url": url, "maxwidth": 300, "maxheight": 200}).json()
    assert full["width"] > 300
    assert small["width"] <= 300 and small["height"] <= 200


@pytest.mark.django_db
def test_oembed_refuses_private_unknown_and_foreign_urls(client, owner):
    private = make_artwork(owner, visibility="private")
    for url in (
        f"http://testserver{private.get_absolute_url()}",
        "http://testserver/a/doesnotexist/",
        f"https://elsewhere.example{private.get_absolute_url()}",
        "http://testserver/u/owner/",
        "javascript:alert(1)",
        "",
    ):
        assert client.get("/oembed", {"url": url}).status_code == 404, url


@pytest.mark.django_db
def test_oembed_other_formats_are_501_and_bad_sizes_400(client, owner):
    artwork = make_artwork(owner)
    url = f"http://testserver{artwork.get_absolute_url()}"
    assert client.get("/oembed", {"url": url, "format": "xml"}).status_code == 501
    assert client.get("/oembed", {"url": url, "maxwidth": "wide"}).status_code == 400
    assert client.get("/oembed", {"url": url, "maxheight": "0"}).status_code == 400


@pytest.mark.django_db
def test_artwork_pages_advertise_oembed(client, owner):
    artwork = make_artwork(owner)
    page = client.get(artwork.get_absolute_url()).text
    assert 'type="application/json+oembed"' in page
    start = page.index('type="application/json+oembed" href="') + len(
        'type="application/json+oembed" href="'
    )
    href = page[start : page.index('"', start)].replace("&amp;", "&")
    assert client.get(href.replace("http://testserver", "")).status_code == 200


# --- Concurrency: exactly max_views successful views --------------------------------

PARALLEL, LIMIT = 50, 7


def hammer(base_url: str, code: str) -> list[int]:
    """PARALLEL simultaneous GETs of the share page over real connections."""

    def fetch(_):
        try:
            with urllib.request.urlopen(f"{base_url}/s/{code}/", timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(fetch, range(PARALLEL)))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_requests_give_exactly_seven_views(live_server, owner):
    share = make_share(make_artwork(owner), max_views=LIMIT)
    statuses = hammer(live_server.url, share.code)
    assert statuses.count(200) == LIMIT
    assert statuses.count(410) == PARALLEL - LIMIT
    assert views_used(share) == LIMIT


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_across_two_app_processes(owner):
    """Two gunicorn servers on the same database, requests spread over both."""
    share = make_share(make_artwork(owner), max_views=LIMIT)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))},
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
    }
    with (
        Gunicorn(env, workers=2, threads=8) as one,
        Gunicorn(env, workers=2, threads=8) as two,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        halves = list(pool.map(lambda url: hammer(url, share.code), [one.url, two.url]))
    statuses = halves[0] + halves[1]
    assert statuses.count(200) == LIMIT
    assert statuses.count(410) == 2 * PARALLEL - LIMIT
    assert views_used(share) == LIMIT


# --- Found in review ---------------------------------------------------------------


@pytest.mark.django_db
def test_head_requests_do_not_use_up_a_share(client, owner):
    share = make_share(make_artwork(owner), max_views=1)
    assert client.head(share_url(share)).status_code == 200
    assert client.head(reverse("gallery:share_embed", args=[share.code])).status_code == 200
    assert views_used(share) == 0
    assert client.get(share_url(share)).status_code == 200
    assert client.head(share_url(share)).status_code == 410


@pytest.mark.django_db
def test_a_share_embed_never_links_to_an_unlisted_artworks_url(client, owner):
    unlisted = make_artwork(owner, prompt="an unlisted comet", visibility="unlisted")
    share = make_share(unlisted)
    response = client.get(reverse("gallery:share_embed", args=[share.code]))
    assert response.status_code == 200
    page = response.text
    assert 'class="embed-credit"' in page and "an unlisted comet" in page
    assert unlisted.public_id not in page
    public = make_artwork(owner)
    embed = client.get(reverse("gallery:artwork_embed", args=[public.public_id])).text
    assert f"/a/{public.public_id}/" in embed  # a public artwork's own embed credits it


@pytest.mark.django_db
def test_a_gone_share_embed_is_a_small_page_that_opens_links_outside(client, owner):
    share = make_share(make_artwork(owner))
    Share.objects.filter(pk=share.pk).revoke()
    response = client.get(reverse("gallery:share_embed", args=[share.code]))
    assert response.status_code == 410
    assert "This animation is no longer available here." in response.text
    assert 'class="site-header"' not in response.text
    assert 'target="_blank"' in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://[oops/a/abc/", "http://:80/a/abc/", "ftp://x/a/abc/"])
def test_oembed_malformed_urls_are_404(client, url):
    assert client.get("/oembed", {"url": url}).status_code == 404


@pytest.mark.django_db
def test_oembed_follows_allowed_hosts_wildcards(client, owner, settings):
    artwork = make_artwork(owner)
    settings.ALLOWED_HOSTS = [".example.com", "testserver"]
    good = f"https://www.example.com{artwork.get_absolute_url()}"
    assert client.get("/oembed", {"url": good}).status_code == 200
    bad = f"https://example.org{artwork.get_absolute_url()}"
    assert client.get("/oembed", {"url": bad}).status_code == 404


@pytest.mark.django_db
def test_the_studio_share_list_is_never_cached(client, owner):
    artwork = make_artwork(owner)
    client.force_login(owner)
    response = client.get(reverse("gallery:studio_shares", args=[artwork.public_id]))
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_staff_editing_a_share_keeps_views_counted_meanwhile(client, superuser, owner):
    share = make_share(make_artwork(owner), max_views=10)
    client.force_login(superuser)
    url = reverse("admin:gallery_share_change", args=[share.pk])
    client.get(url)
    Share.objects.filter(pk=share.pk).update(view_count=4)  # views while staff edit
    client.post(url, {"artwork": share.artwork.pk, "max_views": 20, "expires_at_0": "",
                      "expires_at_1": ""})  # fmt: skip
    share.refresh_from_db()
    assert (share.max_views, share.view_count) == (20, 4)


@pytest.mark.django_db
@pytest.mark.storage
def test_hostile_prompts_stay_escaped_in_svg_oembed_and_embed(client, owner):
    from xml.etree import ElementTree

    hostile = '</title><script>alert(1)</script>]]>&"'
    artwork = make_artwork(owner, prompt=hostile, frames=["<b>&</b>"], width=8, height=1)
    svg = client.get(reverse("gallery:export", args=[artwork.public_id, "svg"]))
    assert svg.status_code == 200
    svg_text = b"".join(svg.streaming_content).decode() if svg.streaming else svg.text
    tree = ElementTree.fromstring(svg_text)
    assert tree.findtext("{http://www.w3.org/2000/svg}title") == hostile  # kept as text
    assert not [e for e in tree.iter() if e.tag.endswith("script")]
    oembed = client.get("/oembed", {"url": f"http://testserver{artwork.get_absolute_url()}"})
    assert oembed.status_code == 200
    data = oembed.json()
    assert data["title"] == hostile and data["html"].startswith("<iframe ")
    assert "<script>" not in data["html"]
    embed = client.get(reverse("gallery:artwork_embed", args=[artwork.public_id]))
    assert embed.status_code == 200
    assert f'aria-label="ASCII art: {escape(hostile)}"' in embed.text  # shown, escaped
    assert "<script>alert(1)" not in embed.text


# --- shares.open_share: the one place a share link is opened --------------------------


@pytest.mark.django_db
def test_open_share_counts_the_view_and_reads_the_counts_back(owner, other_user):
    from django.test import RequestFactory

    from gallery.shares import ShareGone, open_share

    share = make_share(make_artwork(owner), max_views=2)
    Share.objects.filter(pk=share.pk).update(view_count=1)  # someone else's view meanwhile
    request = RequestFactory().get("/")
    request.user = other_user
    opened = open_share(share.code, request=request)
    assert opened.view_count == 2 and opened.artwork.views_count == 1
    with pytest.raises(ShareGone) as gone:
        open_share(share.code, request=request)
    assert gone.value.share.status == Share.Status.USED_UP
    assert "viewed as many times as it allows" in gone.value.message


@pytest.mark.django_db
def test_open_share_never_counts_the_owner_or_a_head_request(owner, other_user):
    from django.test import RequestFactory

    from gallery.shares import open_share

    share = make_share(make_artwork(owner), max_views=1)
    own = RequestFactory().get("/")
    own.user = owner
    head = RequestFactory().head("/")
    head.user = other_user
    for request in (own, head, own):
        assert open_share(share.code, request=request).view_count == 0
    share.refresh_from_db()
    assert share.view_count == 0 and share.artwork.views_count == 0


def test_the_share_page_names_the_creator_the_expiry_and_the_views_left(client, owner):
    artwork = make_artwork(owner, visibility="private")
    expires = timezone.now() + timedelta(days=3)
    share = make_share(artwork, max_views=5, expires_at=expires)
    page = client.get(reverse("gallery:share", args=[share.code])).text
    assert f'href="{reverse("accounts:profile", args=[owner.username])}"' in page
    assert f'This link works until <time datetime="{expires.isoformat()}' in page
    assert "4 views left" in page  # this visit counted
    unlimited = make_share(artwork)
    page = client.get(reverse("gallery:share", args=[unlimited.code])).text
    assert "This link does not expire." in page and "left" not in page
