"""Embeddings: the local provider's vectors, and the remote one against a real HTTP
server on 127.0.0.1."""

from __future__ import annotations

import math

import pytest

from gallery.embeddings import ArtworkText, EmbeddingError, LocalProvider, OpenAICompatibleProvider
from gallery.generators import generate
from tests.chat_server import Reply

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
    ],
)
def test_the_remote_provider_fails_clearly(chat_server, reply, message):
    chat_server.replies = [reply]
    with pytest.raises(EmbeddingError, match=message):
        remote(chat_server).embed_queries(["x"])
