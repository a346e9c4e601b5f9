"""The gallery's lists: tabs, search, trending, featured, and what they never show."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gallery.models import TRENDING_HALF_LIFE_HOURS, Artwork
from gallery.search import tsquery_text
from tests.factories import make_artwork, make_collection

pytestmark = pytest.mark.django_db


def listed_prompts(client, **params) -> list[str]:
    """The prompts of the cards on the gallery page, in order."""
    response = client.get(reverse("gallery:home"), params)
    assert response.status_code == 200
    return [artwork.prompt for artwork in response.context["page"].object_list]


@pytest.fixture
def ladder(owner):
    """One artwork of each visibility, all matching the same search."""
    return {
        visibility: make_artwork(
            owner, prompt=f"{visibility} lantern", visibility=visibility, featured=False
        )
        for visibility in ("public", "unlisted", "private")
    }


@pytest.mark.parametrize("viewer", [None, "other_user", "owner", "staff_user"])
@pytest.mark.parametrize("tab", ["latest", "trending", "featured"])
def test_lists_show_only_public_artworks_to_everyone(client, request, ladder, viewer, tab):
    Artwork.objects.listed().update(featured=True)
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    assert listed_prompts(client, tab=tab) == ["public lantern"]
    assert listed_prompts(client, tab=tab, q="lantern") == ["public lantern"]
    assert listed_prompts(client, q="lantern") == ["public lantern"]


def test_search_ranks_prompt_matches_above_frame_text_matches(client, owner):
    in_frames = make_artwork(
        owner, prompt="a quiet sign", frames=["OPEN LIGHTHOUSE"], width=15, height=1
    )
    in_prompt = make_artwork(owner, prompt="lighthouse at dusk")
    make_artwork(owner, prompt="nothing to see")
    # Make the frame match the newest, so only ranking can put the prompt match first.
    Artwork.objects.filter(pk=in_frames.pk).update(created_at=timezone.now() + timedelta(days=1))
    assert listed_prompts(client, q="lighthouse") == [in_prompt.prompt, in_frames.prompt]


def test_search_understands_web_search_syntax(client, owner):
    for prompt in ("red fox in snow", "red fox at night", "fox and rabbit", "night train"):
        make_artwork(owner, prompt=prompt)
    assert set(listed_prompts(client, q='"red fox"')) == {"red fox in snow", "red fox at night"}
    assert set(listed_prompts(client, q="fox -night")) == {"red fox in snow", "fox and rabbit"}
    assert set(listed_prompts(client, q="rabbit OR train")) == {"fox and rabbit", "night train"}


def test_search_highlights_matches_and_escapes_the_prompt(client, owner):
    make_artwork(owner, prompt="<script>alert(1)</script> comet tail")
    make_artwork(owner, prompt="Tom & Jerry chase a comet")
    page = client.get(reverse("gallery:home"), {"q": "comet"}).text
    assert "<mark>comet</mark>" in page
    assert "<script>" not in page.split("<main")[1].split("</main>")[0]
    assert "Tom &amp; Jerry chase a <mark>comet</mark>" in page


@pytest.mark.parametrize(
    "query",
    ["'", '"', "-", "OR", "&|!():*", "\\", "a" * 500, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✨", "the", "%", "NULL"],
)
def test_odd_queries_answer_normally(client, owner, query):
    make_artwork(owner, prompt="plain comet")
    response = client.get(reverse("gallery:home"), {"q": query})
    assert response.status_code == 200


def test_no_results_page(client, owner):
    make_artwork(owner, prompt="plain comet")
    page = client.get(reverse("gallery:home"), {"q": "zebra"}).text
    assert "No public artworks match “zebra”" in page


def test_search_works_with_the_tabs(client, owner):
    old = make_artwork(owner, prompt="old comet", featured=True)
    new = make_artwork(owner, prompt="new comet")
    Artwork.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert listed_prompts(client, q="comet", tab="latest") == [new.prompt, old.prompt]
    assert listed_prompts(client, q="comet", tab="featured") == [old.prompt]


def test_trending_weighs_engagement_against_age(client, owner):
    now = timezone.now()

    def aged(prompt: str, hours: float, likes: int = 0, views: int = 0) -> Artwork:
        artwork = make_artwork(owner, prompt=prompt)
        Artwork.objects.filter(pk=artwork.pk).update(
            created_at=now - timedelta(hours=hours), likes_count=likes, views_count=views
        )
        return artwork

    aged("old classic", hours=24 * 30, likes=500, views=5000)  # a month old: decayed away
    aged("hot today", hours=3, likes=20, views=100)
    aged("warm yesterday", hours=26, likes=20, views=100)
    aged("quiet new", hours=1)
    aged("quiet old", hours=50)
    order = [artwork.prompt for artwork in Artwork.objects.listed().trending(now=now)]
    assert order == ["hot today", "warm yesterday", "quiet new", "quiet old", "old classic"]
    assert listed_prompts(client, tab="trending")[:2] == ["hot today", "warm yesterday"]


def test_the_stored_trending_key_orders_exactly_like_the_decaying_score(owner):
    """trending_key is log2 of the score plus a term every row shares, so sorting by it
    must agree with the score that decays with the clock, at any moment."""
    rng = random.Random(12)
    now = timezone.now()
    for number in range(40):
        artwork = make_artwork(owner, prompt=f"piece {number}")
        Artwork.objects.filter(pk=artwork.pk).update(
            created_at=now - timedelta(hours=rng.uniform(0, 900)),
            likes_count=rng.choice([0, 0, 1, 5, 40, 300]),
            views_count=rng.choice([0, 3, 50, 2000, 90_000]),
        )

    def score(artwork: Artwork, at) -> float:
        age_hours = (at - artwork.created_at).total_seconds() / 3600
        engagement = 3 * artwork.likes_count + artwork.views_count + 1
        return engagement * 0.5 ** (age_hours / TRENDING_HALF_LIFE_HOURS)

    for later in (timedelta(0), timedelta(days=3)):
        at = now + later
        listed = list(Artwork.objects.listed().trending(now=at))
        expected = sorted(listed, key=lambda a: (score(a, at), a.created_at, a.pk), reverse=True)
        assert [a.pk for a in listed] == [a.pk for a in expected]


def test_cards_come_without_reading_the_frames(client, owner):
    frames = [f"frame {n}".ljust(20) for n in range(30)]
    make_artwork(owner, prompt="poster test", frames=frames, width=20, height=1)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/").text
    card_queries = [q["sql"] for q in captured if 'FROM "gallery_artwork"' in q["sql"]]
    assert card_queries
    assert not any('"gallery_artwork"."frames"' in sql for sql in card_queries)
    assert "frame 0" in page and "frame 1 " not in page
    assert "3.75 s" in page  # 30 frames at 8 fps, from the stored frame count


def test_trending_order_is_stable_for_ties(owner):
    now = timezone.now()
    artworks = [make_artwork(owner, prompt=f"tie {n}") for n in range(5)]
    Artwork.objects.update(created_at=now - timedelta(hours=5))
    first = list(Artwork.objects.listed().trending(now=now).values_list("pk", flat=True))
    again = list(Artwork.objects.listed().trending(now=now).values_list("pk", flat=True))
    assert first == again == sorted((a.pk for a in artworks), reverse=True)


def test_featured_tab_shows_only_featured_public_artworks(client, owner):
    make_artwork(owner, prompt="featured public", featured=True)
    make_artwork(owner, prompt="plain public")
    make_artwork(owner, prompt="unlisted", visibility="unlisted")
    assert listed_prompts(client, tab="featured") == ["featured public"]


def test_featured_empty_state(client, owner):
    make_artwork(owner, prompt="plain public")
    assert "Nothing is featured right now" in client.get("/", {"tab": "featured"}).text


def test_unknown_tab_falls_back_to_latest(client, owner):
    make_artwork(owner, prompt="plain public")
    assert listed_prompts(client, tab="<script>") == ["plain public"]


def test_pagination_keeps_the_search_and_tab(client, owner):
    for number in range(26):
        make_artwork(owner, prompt=f"comet number {number}")
    page = client.get("/", {"q": "comet", "tab": "latest"}).text
    assert 'href="?q=comet&amp;tab=latest&amp;page=2"' in page


# --- Query budgets: a page's query count does not grow with what it shows ------------


def queries_per_page(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured)
    return counts


def test_query_counts_are_the_same_for_5_and_24_items(client, owner, other_user):
    # Five: fewer matches would also look for similar artworks (gallery/similarity.py).
    artworks = [make_artwork(owner, prompt=f"comet {n}", featured=True) for n in range(5)]
    collection = make_collection(owner, artworks=artworks, name="Shelf")
    make_collection(owner, artworks=artworks[:1], name="Second shelf")
    target = artworks[0]
    urls = [
        "/",
        "/?q=comet",
        "/?tab=trending",
        "/?tab=featured",
        collection.get_absolute_url(),
        "/u/owner/",
        target.get_absolute_url(),
    ]
    client.force_login(other_user)
    queries_per_page(client, urls)  # first visit counts the artwork view: warm up
    with_five = queries_per_page(client, urls)

    for n in range(5, 24):
        artwork = make_artwork(owner, prompt=f"comet {n}", featured=True)
        collection.append(artwork)
        make_collection(owner, artworks=[artwork, target], name=f"Shelf {n}")
    with_twenty_four = queries_per_page(client, urls)

    assert with_twenty_four == with_five
    assert max(with_five.values()) <= 15, with_five


def test_trending_leaves_out_the_long_decayed_archive(owner):
    now = timezone.now()
    fresh = make_artwork(owner, prompt="fresh")
    ancient = make_artwork(owner, prompt="ancient")
    Artwork.objects.filter(pk=ancient.pk).update(
        created_at=now - timedelta(days=90), likes_count=10_000
    )
    assert list(Artwork.objects.listed().trending(now=now)) == [fresh]


def test_similar_artworks_share_words_and_are_public_only(client, owner, other_user):
    target = make_artwork(owner, prompt="rain over the harbour at night")
    close = make_artwork(other_user, prompt="night rain on the harbour wall")
    loose = make_artwork(other_user, prompt="a night train")
    make_artwork(other_user, prompt="rain harbour night", visibility="unlisted")
    make_artwork(other_user, prompt="sunny meadow")
    similar = list(Artwork.objects.listed().similar_to(target))
    assert similar == [close, loose]
    page = client.get(target.get_absolute_url()).text
    assert "Similar artworks" in page and "night rain on the harbour wall" in page
    assert "sunny meadow" not in page


def test_a_prompt_without_words_has_no_similar_artworks(owner):
    target = make_artwork(owner, prompt="~~ ** ~~")
    make_artwork(owner, prompt="anything")
    assert list(Artwork.objects.listed().similar_to(target)) == []


# --- Search as people type, and lists that never count the whole archive -------------


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("chai", ["chairing the meeting"]),
        ("meet cha", ["chairing the meeting"]),  # finished words match as words
        ('"chairing the"', ["chairing the meeting"]),
        ('"chai"', []),  # a phrase stays exact
        ("cat", ["a category of ribbons", "a cat asleep"]),  # the word being typed
        ("cat ribb", []),  # ...but a finished "cat" is not "category"
        ("-cat cat", ["a category of ribbons"]),  # -word leaves out the word only
        ("chair OR asl", ["chairing the meeting", "a cat asleep"]),
        ("c", []),  # one letter is not a prefix of half the archive
        ("-", []),
        ('"', []),
        ("&|!():*<->'", []),
    ],
)
def test_search_matches_words_as_they_are_typed(client, owner, typed, found):
    for prompt in ("chairing the meeting", "a category of ribbons", "a cat asleep"):
        make_artwork(owner, prompt=prompt)
    assert sorted(listed_prompts(client, q=typed)) == sorted(found)


def test_search_ranks_only_the_newest_matches(client, owner, monkeypatch):
    monkeypatch.setattr("gallery.models.SEARCH_CANDIDATES", 3)
    for number in range(5):
        make_artwork(owner, prompt=f"lantern number {number}")
    assert sorted(listed_prompts(client, q="lantern")) == [
        f"lantern number {number}" for number in (2, 3, 4)
    ]


def test_long_lists_count_only_as_far_as_the_pages_reach(client, owner, monkeypatch):
    monkeypatch.setattr("config.paging.MAX_PAGES", 2)
    for number in range(50):
        make_artwork(owner, prompt=f"star {number}")
    with CaptureQueriesContext(connection) as captured:
        first = client.get("/")
    assert "Page 1 of many" in first.text
    count_sql = next(q["sql"] for q in captured if "COUNT(*)" in q["sql"])
    assert "LIMIT 49" in count_sql
    last = client.get("/", {"page": 99})
    assert "Page 2 of many" in last.text and 'rel="next"' not in last.text
    monkeypatch.setattr("config.paging.MAX_PAGES", 3)
    assert "Page 1 of 3" in client.get("/").text  # under the cap: the exact number


@pytest.mark.fuzz
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=60))
def test_every_typed_text_makes_a_query_postgresql_accepts(typed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsquery('english', %s)", [tsquery_text(typed)])


def test_a_page_skips_rows_by_their_ids_alone(client, owner):
    """The rows before the page are skipped in a subquery of ids (an index-only scan),
    and only the page's own rows are read and joined to their owners."""
    for number in range(30):
        make_artwork(owner, prompt=f"star {number}")
    with CaptureQueriesContext(connection) as captured:
        prompts = listed_prompts(client, page=2)
    assert prompts == [f"star {number}" for number in range(5, -1, -1)]
    page_sql = next(q["sql"] for q in captured if "poster_frame" in q["sql"])
    assert re.search(r"IN \(SELECT \S+ AS \S+ FROM \"gallery_artwork\" .* OFFSET 24\)", page_sql)


@pytest.mark.parametrize("tab", ["featured", "trending"])
def test_a_search_in_a_tab_ranks_the_tabs_own_matches(client, owner, monkeypatch, tab):
    """The search keeps only its first matches, so it must take them from the tab's
    list: an older featured or much-viewed match is not crowded out by newer ones."""
    monkeypatch.setattr("gallery.models.SEARCH_CANDIDATES", 2)
    wanted = make_artwork(owner, prompt="comet wanted", featured=True)
    Artwork.objects.filter(pk=wanted.pk).update(
        created_at=timezone.now() - timedelta(days=5), views_count=500
    )
    for number in range(3):
        make_artwork(owner, prompt=f"comet plain {number}")
    assert listed_prompts(client, q="comet", tab=tab)[0] == "comet wanted"


def test_a_search_with_more_matches_than_it_ranks_says_so(client, owner, monkeypatch):
    monkeypatch.setattr("gallery.models.SEARCH_CANDIDATES", 3)
    for number in range(4):
        make_artwork(owner, prompt=f"lantern {number}")
    assert "More than 3 artworks found" in client.get("/", {"q": "lantern"}).text
    assert "2 artworks found" in client.get("/", {"q": "lantern 1 OR lantern 2"}).text


def test_counting_stops_a_few_pages_past_the_one_asked_for(client, owner, monkeypatch):
    monkeypatch.setattr("config.paging.COUNTED_AHEAD", 1)
    for number in range(60):  # three pages
        make_artwork(owner, prompt=f"star {number}")
    with CaptureQueriesContext(connection) as captured:
        first = client.get("/").text
    assert "Page 1 of many" in first and 'rel="next"' in first
    assert "LIMIT 49" in next(q["sql"] for q in captured if "COUNT(*)" in q["sql"])
    last = client.get("/", {"page": 3}).text
    assert "Page 3 of 3" in last and 'rel="next"' not in last


def test_a_search_says_how_many_it_found_past_the_pages_counted_ahead(client, owner, monkeypatch):
    monkeypatch.setattr("config.paging.COUNTED_AHEAD", 0)
    for number in range(30):
        make_artwork(owner, prompt=f"lantern {number}")
    page = client.get("/", {"q": "lantern"}).text
    assert "30 artworks found" in page and "Page 1 of 2" in page
