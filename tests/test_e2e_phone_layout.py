"""Every page of ours fits a 360 px wide phone: nothing scrolls sideways, for a visitor or
for the creator, with every list and table filled and with long unbroken words, codes and
URLs in them (what a real creator's data holds and what breaks layouts).

A check beside it keeps the list honest: every URL pattern of our apps is either visited
here or named as no page (JSON, XML, downloads, POST-only actions)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiKey
from gallery import uploads
from gallery.models import Generation, Share
from tests import images
from tests.factories import make_artwork, make_collection, make_share, make_user

PHONE = {"width": 360, "height": 740}
LONG_WORD = "Supercalifragilisticexpialidocious" * 3
LONG_URL = "https://example.com/" + "a-very-long-path-segment/" * 6

# URL names of our apps that answer with something other than a page for a browser.
NOT_PAGES = {
    "gallery:artwork_frames",  # JSON
    "gallery:like",  # POST
    "gallery:export",  # a download
    "gallery:oembed",  # JSON
    "gallery:feed",  # Atom
    "gallery:profile_feed",  # Atom
    "gallery:sitemap",  # XML
    "gallery:sitemap_section",  # XML
    "gallery:robots",  # text
    "gallery:studio_visibility",  # POST
    "gallery:studio_share_revoke",  # POST
    "gallery:studio_generation_status",  # JSON
    "gallery:studio_file_preview",  # JSON
    "gallery:studio_file_download",  # a download
    "gallery:studio_file_thumbnail",  # an image
    "gallery:studio_collection_add",  # POST
    "gallery:studio_collection_remove",  # POST
    "gallery:studio_collection_move",  # POST
    "accounts:profile_update",  # POST
    "accounts:api_key_delete",  # POST
    "accounts:archive_build",  # POST
    "accounts:archive_download",  # a download
}


def our_url_names() -> set[str]:
    """Every named URL pattern in our apps' namespaces (allauth's and the admin's aside)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return {name for name in names if name.split(":")[0] in {"gallery", "accounts", "moderation"}}


@pytest.fixture
def creator(db):
    return make_user(username="a-creator-with-a-long-name", name=f"Someone {LONG_WORD}")


@pytest.fixture
def filled(creator, other_user):
    """The creator's world with every list filled, as URL names -> URLs of pages to visit."""
    prompt = f"a lighthouse {LONG_WORD} in a storm, see {LONG_URL}"
    wide = make_artwork(
        creator, prompt=prompt, frames=["#" * 120 + "\n" + "." * 120], width=120, height=2
    )
    others = [make_artwork(creator, prompt=f"number {n} {LONG_WORD}") for n in range(4)]
    private = make_artwork(creator, visibility="private", prompt=f"private {LONG_WORD}")
    collection = make_collection(creator, [wide, *others], name=f"Best of {LONG_WORD}")
    share = make_share(private, max_views=50, expires_at=timezone.now() + datetime.timedelta(7))
    for n in range(3):
        make_share(wide, max_views=n + 1)
    gone = make_share(private)
    Share.objects.filter(pk=gone.pk).revoke()
    for n in range(6):
        ApiKey.objects.create(
            user=creator, name=f"key {n} {LONG_WORD}"[:100], provider="openai-compatible",
            key=f"sk-{LONG_WORD}{n}",
        )  # fmt: skip
    queued = None
    for status in ("done", "failed", "running", "queued"):
        queued = Generation.objects.create(
            user=creator, prompt=prompt, provider="openrouter", model=f"vendor/{LONG_WORD}",
            status=status, error=f"The provider said: {LONG_URL}" if status == "failed" else "",
            duration_ms=1234,
        )  # fmt: skip
    picture = uploads.store_upload(
        creator, SimpleUploadedFile(f"{LONG_WORD}.png", images.still((300, 200)))
    )
    make_artwork(other_user, prompt=f"someone else's {LONG_WORD}")
    pages = {
        "gallery:home": "/",
        "gallery:home (search)": f"/?q={LONG_WORD[:20]}",
        "gallery:artwork": wide.get_absolute_url(),
        "gallery:artwork_embed": reverse("gallery:artwork_embed", args=[wide.public_id]),
        "gallery:remix": reverse("gallery:remix", args=[wide.public_id]),
        "gallery:collection": collection.get_absolute_url(),
        "gallery:share": reverse("gallery:share", args=[share.code]),
        "gallery:share_embed": reverse("gallery:share_embed", args=[share.code]),
        "gallery:share (gone)": reverse("gallery:share", args=[gone.code]),
        "accounts:profile": reverse("accounts:profile", args=[creator.username]),
        "moderation:report_artwork": reverse("moderation:report_artwork", args=[wide.public_id]),
        "moderation:report_collection": reverse(
            "moderation:report_collection", args=[collection.public_id]
        ),
        "gallery:studio": reverse("gallery:studio"),
        "gallery:studio_new": reverse("gallery:studio_new"),
        "gallery:studio_generate": reverse("gallery:studio_generate"),
        "gallery:studio_generations": reverse("gallery:studio_generations"),
        "gallery:studio_generation": reverse("gallery:studio_generation", args=[queued.pk]),
        "gallery:studio_edit": reverse("gallery:studio_edit", args=[wide.public_id]),
        "gallery:studio_delete": reverse("gallery:studio_delete", args=[wide.public_id]),
        "gallery:studio_shares": reverse("gallery:studio_shares", args=[wide.public_id]),
        "gallery:studio_shares (private)": reverse(
            "gallery:studio_shares", args=[private.public_id]
        ),
        "gallery:studio_files": reverse("gallery:studio_files"),
        "gallery:studio_file": reverse("gallery:studio_file", args=[picture.pk]),
        "gallery:studio_file_delete": reverse("gallery:studio_file_delete", args=[picture.pk]),
        "gallery:studio_collections": reverse("gallery:studio_collections"),
        "gallery:studio_collection": reverse(
            "gallery:studio_collection", args=[collection.public_id]
        ),
        "gallery:studio_collection_delete": reverse(
            "gallery:studio_collection_delete", args=[collection.public_id]
        ),
        "accounts:settings": reverse("accounts:settings"),
        "accounts:api_keys": reverse("accounts:api_keys"),
        "accounts:archive": reverse("accounts:archive"),
        "accounts:delete": reverse("accounts:delete"),
        "account_email": reverse("account_email"),
        "account_change_password": reverse("account_change_password"),
        "socialaccount_connections": reverse("socialaccount_connections"),
    }
    return pages


def signed_in(context, client, user, live_server) -> None:
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


# The innermost elements that reach past the right edge: what to fix on a failing page.
CULPRITS = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1
        && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
    .slice(0, 3).map(e => e.outerHTML.slice(0, 100))"""


def overflowing(page, urls: dict[str, str]) -> list[str]:
    """The pages, of `urls`, that are wider than the viewport, with their widths."""
    wider = []
    for name, url in urls.items():
        response = page.goto(url)
        assert response is not None and response.status in (200, 410), (name, url)
        page.wait_for_load_state("networkidle")  # scripts that fill the page have run
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.evaluate("window.innerWidth")
        if width > viewport:
            culprits = "".join(f"\n    {html}" for html in page.evaluate(CULPRITS))
            wider.append(f"{url} ({name}): {width} px in {viewport} px{culprits}")
    return wider


def test_the_list_below_visits_every_page_of_ours():
    missing = our_url_names() - PAGES_VISITED - NOT_PAGES
    assert not missing, f"neither visited at 360 px nor named as no page: {sorted(missing)}"


# The URL names the fixture above visits (kept beside it; the test above compares).
PAGES_VISITED = {
    "gallery:home",
    "gallery:artwork",
    "gallery:artwork_embed",
    "gallery:remix",
    "gallery:collection",
    "gallery:share",
    "gallery:share_embed",
    "accounts:profile",
    "moderation:report_artwork",
    "moderation:report_collection",
    "gallery:studio",
    "gallery:studio_new",
    "gallery:studio_generate",
    "gallery:studio_generations",
    "gallery:studio_generation",
    "gallery:studio_edit",
    "gallery:studio_delete",
    "gallery:studio_shares",
    "gallery:studio_files",
    "gallery:studio_file",
    "gallery:studio_file_delete",
    "gallery:studio_collections",
    "gallery:studio_collection",
    "gallery:studio_collection_delete",
    "accounts:settings",
    "accounts:api_keys",
    "accounts:archive",
    "accounts:delete",
}


# Of those, the pages a visitor may see too.
FOR_VISITORS = {
    "gallery:home",
    "gallery:artwork",
    "gallery:artwork_embed",
    "gallery:collection",
    "gallery:share",
    "gallery:share_embed",
    "accounts:profile",
    "moderation:report_artwork",
    "moderation:report_collection",
}


@pytest.mark.slow
@pytest.mark.storage
@pytest.mark.django_db(transaction=True)
def test_no_page_scrolls_sideways_on_a_phone(browser_context, live_server, client, creator,
                                             filled):  # fmt: skip
    assert {name.split(" ")[0] for name in filled if ":" in name} == PAGES_VISITED

    visitor = browser_context(viewport=PHONE).new_page()
    public = {name: url for name, url in filled.items() if name.split(" ")[0] in FOR_VISITORS}
    public.update(
        {
            "account_login": reverse("account_login"),
            "account_signup": reverse("account_signup"),
            "account_reset_password": reverse("account_reset_password"),
        }
    )
    wider = overflowing(visitor, public)

    context = browser_context(viewport=PHONE)
    signed_in(context, client, creator, live_server)
    wider += overflowing(context.new_page(), filled)
    assert not wider, "pages wider than a 360 px phone:\n" + "\n".join(wider)
