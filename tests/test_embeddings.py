"""Embeddings: the local provider's vectors, the remote one against a real HTTP server
on 127.0.0.1, the job that keeps vectors current, backfill_embeddings, and the similar
row and search they serve."""

from __future__ import annotations

import io
import logging
import math

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from gallery import embeddings, similarity, tasks
from gallery.embeddings import ArtworkText, EmbeddingError, LocalProvider, OpenAICompatibleProvider
from gallery.generators import generate
from gallery.models import Artwork, ArtworkEmbedding, Visibility
from tests.chat_server import Reply
from tests.factories import make_artwork, make_user

pytestmark = pytest.mark.django_db


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def scene(name: str, seed: int = 0, frames: int = 24) -> list[str]:
    return generate(name, width=60, height=20, frame_count=frames, seed=seed)


# --- The local provider ------------------------------------------------------------------


def test_local_vectors_are_deterministic_unit_length_and_1536_wide():
    text = ArtworkText("Rain over the city", "", scene("rain"))
    first, again = LocalProvider().embed_artworks([text, text])
    assert first == again
    assert len(first) == 1536
    assert math.isclose(math.sqrt(cosine(first, first)), 1.0, rel_tol=1e-9)
    (query,) = LocalProvider().embed_queries(["rain over the city"])
    assert len(query) == 1536 and math.isclose(cosine(query, query), 1.0, rel_tol=1e-9)


def test_a_near_duplicate_prompt_is_closer_than_an_unrelated_one():
    (base, near, far) = LocalProvider().embed_queries(
        ["A lighthouse in the storm", "Lighthouses in a storm at night", "Bouncing rubber ball"]
    )
    assert cosine(base, near) > 0.5 > cosine(base, far)


def test_two_artworks_of_one_scene_are_closer_than_two_of_different_scenes():
    # Prompts without a word in common: only the look can tell.
    provider = LocalProvider()
    snow_a, snow_b, fire = provider.embed_artworks([
        ArtworkText("Untitled one", "", scene("snow", seed=1)),
        ArtworkText("Something else", "", scene("snow", seed=2)),
        ArtworkText("Another thing", "", scene("fire", seed=3)),
    ])  # fmt: skip
    assert cosine(snow_a, snow_b) > cosine(snow_a, fire) + 0.1


def test_keywords_of_one_scene_bring_their_artworks_together():
    # "Blizzard" and "winter" share no letters worth counting, but both mean snow.
    provider = LocalProvider()
    blizzard, winter, rain = provider.embed_artworks([
        ArtworkText("Blizzard in the mountains", "", scene("snow", seed=1)),
        ArtworkText("First snow of winter", "", scene("snow", seed=2)),
        ArtworkText("Rain over the city", "", scene("rain", seed=3)),
    ])  # fmt: skip
    assert cosine(blizzard, winter) > cosine(blizzard, rain) + 0.2


# --- The remote provider, against a real server --------------------------------------------


def embedding_reply(*vectors) -> Reply:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
    return Reply(200, {"object": "list", "data": data, "model": "test-embed"})


def axis(index: int, scale: float = 2.0) -> list[float]:
    vector = [0.0] * 1536
    vector[index] = scale
    return vector


def remote(chat_server) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(chat_server.base_url, "sk-embed-key", "test-embed",
                                    timeout=5, retry_wait=0.01)  # fmt: skip


def test_the_remote_provider_sends_batches_and_reads_vectors(chat_server):
    chat_server.replies = [embedding_reply(axis(0), axis(1))]
    vectors = remote(chat_server).embed_queries(["first", "second"])
    assert vectors == [axis(0, 1.0), axis(1, 1.0)]  # scaled to unit length
    (sent,) = chat_server.received
    assert sent["path"] == "/v1/embeddings"
    assert sent["authorization"] == "Bearer sk-embed-key"
    assert sent["body"] == {"model": "test-embed", "input": ["first", "second"],
                            "dimensions": 1536}  # fmt: skip
    assert remote(chat_server).model == "openai-compatible:test-embed"


def test_the_remote_provider_waits_out_a_429_then_succeeds(chat_server):
    chat_server.replies = [Reply(429, {"error": "slow down"}), Reply(503, "busy"),
                           embedding_reply(axis(5))]  # fmt: skip
    assert remote(chat_server).embed_queries(["again"]) == [axis(5, 1.0)]
    assert len(chat_server.received) == 3


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(401, {"error": "bad key"}), r"refused the key \(401\)"),
        (Reply(200, {"data": "nope"}), "not embeddings"),
        (Reply(200, {"data": [{"index": 0, "embedding": [1.0, 2.0]}]}), "vectors of 1536"),
        (
            Reply(200, '{"data": [{"index": 0, "embedding": [NaN' + ", 0.5" * 1535 + "]}]}"),
            "without a direction",
        ),
        (Reply(200, {"data": [{"index": 0, "embedding": [0.0] * 1536}]}), "without a direction"),
    ],
)
def test_the_remote_provider_fails_clearly(chat_server, reply, message):
    chat_server.replies = [reply]
    with pytest.raises(EmbeddingError, match=message):
        remote(chat_server).embed_queries(["x"])


def test_a_refused_key_is_logged_and_the_artwork_stays_saved(chat_server, settings, caplog):
    settings.EMBEDDING_PROVIDER = "openai-compatible"
    settings.EMBEDDING_BASE_URL = chat_server.base_url
    settings.EMBEDDING_API_KEY = "sk-wrong"
    chat_server.replies = [Reply(401, {"error": "bad key"})]
    artwork = make_artwork(prompt="Still saved")
    with caplog.at_level(logging.ERROR, logger="gallery.tasks"):
        assert tasks.embed_artwork(artwork_id=artwork.pk) == "failed"
    assert "could not be embedded: the embeddings server refused the key (401)" in caplog.text
    artwork.refresh_from_db()
    assert artwork.prompt == "Still saved"
    assert not ArtworkEmbedding.objects.exists()


def test_a_busy_server_makes_the_job_try_again(chat_server, settings):
    settings.EMBEDDING_PROVIDER = "openai-compatible"
    settings.EMBEDDING_BASE_URL = chat_server.base_url
    chat_server.replies = [Reply(503, "busy")]
    artwork = make_artwork()
    with pytest.raises(embeddings.TemporaryEmbeddingError):
        tasks.embed_artwork(artwork_id=artwork.pk)
    assert len(chat_server.received) == 1  # the job retries, not the provider within it

    def decision(attempts: int, error: Exception):
        job = type("Job", (), {"attempts": attempts})
        return tasks.TemporaryEmbeddingRetry().get_retry_decision(exception=error, job=job)

    def wait(decided) -> float:
        return round((decided.retry_at - timezone.now()).total_seconds())

    busy = embeddings.TemporaryEmbeddingError("busy")
    assert wait(decision(0, busy)) == 10
    assert wait(decision(4, busy)) == 160
    assert decision(5, busy) is None  # the sixth try was the last
    assert decision(0, EmbeddingError("refused")) is None


# --- The job and the command ----------------------------------------------------------------


def test_the_job_embeds_once_and_again_only_when_words_or_frames_change():
    artwork = make_artwork(prompt="Rain over the city", frames=scene("rain"), width=60, height=20)
    assert tasks.embed_artwork(artwork_id=artwork.pk) == "embedded"
    assert tasks.embed_artwork(artwork_id=artwork.pk) == "unchanged"
    first = ArtworkEmbedding.objects.get(artwork=artwork)
    assert first.model == "local-v1"
    artwork.prompt = "Snow over the city"
    artwork.save()
    assert tasks.embed_artwork(artwork_id=artwork.pk) == "embedded"
    assert list(ArtworkEmbedding.objects.get(artwork=artwork).embedding) != list(first.embedding)
    artwork.delete()
    assert not ArtworkEmbedding.objects.exists()
    assert tasks.embed_artwork(artwork_id=artwork.pk or 0) == "gone"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_job_queue")
def test_saving_an_artwork_queues_its_embedding():
    artwork = make_artwork()
    jobs = ProcrastinateJob.objects.filter(task_name="gallery.tasks.embed_artwork")
    assert list(jobs.values_list("args", flat=True)) == [{"artwork_id": artwork.pk}]
    # A change that is neither words nor frames queues nothing; a second change while
    # the job waits needs no second job (it reads the artwork when it runs).
    artwork.fps = 12
    artwork.save(update_fields=["fps"])
    artwork.prompt = "Renamed"
    artwork.save()
    assert jobs.count() == 1
    assert jobs.get().lock == f"embed_artwork:{artwork.pk}"


def backfill(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("backfill_embeddings", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_backfill_fills_what_is_missing_and_everything_with_force():
    artworks = [make_artwork() for _ in range(5)]
    similarity.embed_artworks(artworks[:2])
    before = {row.artwork_id: row.created_at for row in ArtworkEmbedding.objects.all()}
    assert "Embedded 3 of 3 artwork(s) with local-v1" in backfill("--batch-size", "2")
    assert ArtworkEmbedding.objects.count() == 5
    unchanged = ArtworkEmbedding.objects.filter(artwork__in=artworks[:2])
    assert {row.artwork_id: row.created_at for row in unchanged} == before
    assert "Embedded 0 of 0 artwork(s)" in backfill()
    assert "Embedded 5 of 5 artwork(s)" in backfill("--force")
    assert "0 without a vector" in backfill("--force")


def test_backfill_refreshes_stale_vectors_and_carries_on_after_an_id(chat_server, settings):
    artworks = [make_artwork(prompt=f"Rain {n}") for n in range(4)]
    similarity.embed_artworks(artworks)
    Artwork.objects.filter(pk=artworks[0].pk).update(prompt="Snow")  # no job ran
    assert "Embedded 0 of 0" in backfill()
    assert "Embedded 1 of 4" in backfill("--stale")
    assert "Embedded 2 of 2" in backfill("--force", "--after-id", str(artworks[1].pk))
    # A provider failing midway: the command says where to carry on.
    settings.EMBEDDING_PROVIDER = "openai-compatible"
    settings.EMBEDDING_BASE_URL = chat_server.base_url
    chat_server.replies = [embedding_reply(axis(1), axis(2)), Reply(401, {"error": "no"})]
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused the key"):
        call_command("backfill_embeddings", "--batch-size", "2", stdout=io.StringIO(),
                     stderr=err)  # fmt: skip
    assert f"carry on with --after-id {artworks[1].pk}" in err.getvalue()


def test_backfill_refuses_an_unknown_model():
    with pytest.raises(CommandError, match="Unknown model"):
        backfill("--model", "word2vec")


# --- Similar artworks -----------------------------------------------------------------------


def embedded(**fields):
    artwork = make_artwork(**fields)
    similarity.embed_artworks([artwork])
    return artwork


def test_similar_lists_only_other_listed_artworks_nearest_first():
    owner = make_user()
    base = embedded(owner=owner, prompt="Rain over the old harbour", visibility="public")
    near = embedded(prompt="Rain over the harbour at night", visibility="public")
    other = embedded(prompt="Rain on a tin roof", visibility="public")
    embedded(prompt="Rain over the old harbour again", visibility="unlisted")
    embedded(prompt="Rain over the old harbour, private", visibility="private")
    shown = similarity.similar_artworks(base)
    assert shown[:2] == [near, other]
    assert base not in shown
    assert all(artwork.visibility == Visibility.PUBLIC for artwork in shown)


def test_similar_compares_only_vectors_of_the_same_model():
    base = embedded(prompt="Rain over the old harbour", visibility="public")
    stranger = make_artwork(prompt="Bouncing rubber ball", visibility="public")
    # A vector of another model identical to the base's must not count as near.
    vector = ArtworkEmbedding.objects.get(artwork=base).embedding
    ArtworkEmbedding.objects.create(artwork=stranger, model="openai-compatible:x",
                                    embedding=vector)  # fmt: skip
    assert stranger not in similarity.similar_artworks(base)


def test_with_most_neighbours_private_the_row_is_still_full(settings):
    settings.EMBEDDING_EF_SEARCH = 10  # a plain index scan would find only privates
    base = embedded(prompt="Rain over the old harbour", visibility="public")
    privates = [make_artwork(prompt=f"Rain over the old harbour {n}", visibility="private")
                for n in range(60)]  # fmt: skip
    similarity.embed_artworks(privates)
    publics = [make_artwork(prompt=f"Harbour lights number {n}", visibility="public")
               for n in range(6)]  # fmt: skip
    similarity.embed_artworks(publics)
    # So few rows would be scanned in full: make PostgreSQL use the HNSW index, as it
    # does at scale (bench/embeddings.py), for the rest of this test's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
    vector = ArtworkEmbedding.objects.get(artwork=base).embedding
    rows = ArtworkEmbedding.objects.filter(model="local-v1", artwork__visibility="public")
    with similarity.index_scan():
        assert "embedding_by_cosine" in rows.nearest(vector, limit=4).explain()
    # Without iterative scans, the ten candidates the index gives are all private.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = 10; SET LOCAL hnsw.iterative_scan = off")
    plain = list(rows.exclude(artwork=base).nearest(vector, limit=4))
    assert len(plain) < similarity.SIMILAR_COUNT
    shown = similarity.similar_artworks(base)
    assert len(shown) == similarity.SIMILAR_COUNT
    assert set(shown) <= set(publics)


def test_without_a_vector_yet_similar_falls_back_to_shared_words():
    base = make_artwork(prompt="Rain over the old harbour", visibility="public")
    near = make_artwork(prompt="Harbour in the rain", visibility="public")
    assert similarity.similar_artworks(base) == [near]


@pytest.mark.django_db(transaction=True)  # committed, so that ANALYZE counts them
def test_the_similar_query_uses_the_hnsw_index():
    owner = make_user()
    words = ["rain", "snow", "harbour", "city", "night", "fire", "stars", "waves", "ball"]
    artworks = Artwork.objects.bulk_create(
        Artwork(owner=owner, prompt=f"{words[n % 9]} {words[n // 9 % 9]} {n}", frames=["o"],
                width=1, height=1, fps=8, visibility="public")
        for n in range(3000)
    )  # fmt: skip
    similarity.embed_artworks(artworks)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE gallery_artworkembedding, gallery_artwork")
    vector = ArtworkEmbedding.objects.filter(artwork=artworks[0]).values_list(
        "embedding", flat=True
    )[0]
    rows = ArtworkEmbedding.objects.filter(model="local-v1", artwork__visibility="public")
    with similarity.index_scan():
        plan = rows.nearest(vector, limit=4).explain()
    assert "Index Scan using embedding_by_cosine" in plan


def test_the_artwork_page_shows_similar_artworks(client):
    base = embedded(prompt="Blizzard in the mountains", frames=scene("snow", 1), width=60,
                    height=20, visibility="public")  # fmt: skip
    snow = embedded(prompt="First snow of winter", frames=scene("snow", 2), width=60,
                    height=20, visibility="public")  # fmt: skip
    page = client.get(base.get_absolute_url())
    assert page.context["similar"][0] == snow


# --- Search by similarity -------------------------------------------------------------------


def test_a_search_with_few_matches_adds_similar_artworks_and_never_hidden_ones(client):
    blizzard = embedded(prompt="Blizzard in the mountains", visibility="public")
    embedded(prompt="Snowy winter blizzard at night", visibility="private")
    embedded(prompt="A winter blizzard, unlisted", visibility="unlisted")
    embedded(prompt="Bouncing rubber ball", visibility="public")
    page = client.get(reverse("gallery:home"), {"q": "winter snow"})
    shown = list(page.context["page"].object_list)
    assert page.context["fused"] is True
    assert shown == [blizzard]
    assert "with similar words (few exact matches)" in page.text
    assert "Also similar words</label>" in page.text


def test_the_similar_option_merges_exact_and_similar_matches(client):
    exact = [embedded(prompt=f"Rain over the harbour {n}", visibility="public")
             for n in range(6)]  # fmt: skip
    close = embedded(prompt="Rainy harbours", visibility="public")
    plain = client.get(reverse("gallery:home"), {"q": "rain harbour"})
    assert plain.context["fused"] is False
    assert close not in plain.context["page"].object_list
    similar = client.get(reverse("gallery:home"), {"q": "rain harbour", "similar": "1"})
    shown = list(similar.context["page"].object_list)
    assert similar.context["fused"] is True
    assert set(exact) <= set(shown) and close in shown
    assert 'name="similar" value="1" checked' in similar.text


def test_a_search_survives_a_server_answering_nan(chat_server, settings, client):
    settings.EMBEDDING_PROVIDER = "openai-compatible"
    settings.EMBEDDING_BASE_URL = chat_server.base_url
    nan = Reply(200, '{"data": [{"index": 0, "embedding": [NaN' + ", 0.5" * 1535 + "]}]}")
    chat_server.replies = [nan] * 8
    make_artwork(prompt="Zebra crossing", visibility="public")
    for _ in range(2):  # and the bad answer is not remembered
        page = client.get(reverse("gallery:home"), {"q": "zebra"})
        assert page.status_code == 200
        assert [a.prompt for a in page.context["page"].object_list] == ["Zebra crossing"]


def test_a_search_asks_a_failing_server_once_then_leaves_it_alone(chat_server, settings,
                                                                  client):  # fmt: skip
    settings.EMBEDDING_PROVIDER = "openai-compatible"
    settings.EMBEDDING_BASE_URL = chat_server.base_url
    chat_server.replies = [Reply(503, "down")] * 5
    make_artwork(prompt="Zebra crossing", visibility="public")
    for query in ("zebra", "zebras", "a zebra"):
        assert client.get(reverse("gallery:home"), {"q": query}).status_code == 200
    assert len(chat_server.received) == 1


def test_the_remote_vector_is_not_paid_for_again_when_only_frames_change(chat_server):
    provider = remote(chat_server)
    chat_server.replies = [embedding_reply(axis(1))]
    artwork = make_artwork(prompt="Zebra crossing")
    assert similarity.embed_artworks([artwork], provider=provider) == 1
    artwork.frames = ["x", "y"]
    artwork.save()
    assert similarity.embed_artworks([artwork], provider=provider) == 0
    assert len(chat_server.received) == 1


def test_a_search_does_not_call_an_artwork_similar_for_one_shared_feature(client):
    rain = [embedded(prompt=f"Rain over the harbour {n}", visibility="public") for n in range(3)]
    snow = [embedded(prompt=f"Snow in the hills {n}", visibility="public") for n in range(3)]
    page = client.get(reverse("gallery:home"), {"q": "rain"})
    shown = set(page.context["page"].object_list)
    assert set(rain) <= shown and not shown & set(snow)


def test_an_artwork_deleted_while_embedded_leaves_the_others_stored():
    doomed, kept = make_artwork(prompt="Doomed"), make_artwork(prompt="Kept")
    provider = LocalProvider()

    class DeletingProvider:
        model = provider.model
        embedded_parts = staticmethod(provider.embedded_parts)

        def embed_artworks(self, texts):
            Artwork.objects.filter(pk=doomed.pk).delete()  # another request, meanwhile
            return provider.embed_artworks(texts)

    # Checked at once, as a job's own transaction is when it commits.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert similarity.embed_artworks([doomed, kept], provider=DeletingProvider()) == 1
    assert list(ArtworkEmbedding.objects.values_list("artwork__prompt", flat=True)) == ["Kept"]


def test_while_a_new_model_is_filled_in_similar_uses_the_old_vectors(settings):
    # No word in common: only the vectors can tell.
    base = embedded(prompt="Blizzard in the mountains", frames=scene("snow", 1), width=60,
                    height=20, visibility="public")  # fmt: skip
    near = embedded(prompt="First snow of winter", frames=scene("snow", 2), width=60,
                    height=20, visibility="public")  # fmt: skip
    settings.EMBEDDING_PROVIDER = "openai-compatible"  # switched; nothing backfilled yet
    assert similarity.similar_artworks(base) == [near]
