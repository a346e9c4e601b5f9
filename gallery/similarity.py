"""Similar artworks and search by similarity, on the embeddings' HNSW index.

- `embed_artworks(artworks)` computes and stores vectors with the configured provider
  (gallery/embeddings.py), skipping those whose words and frames have not changed.
- `similar_artworks(artwork)` is the artwork page's row: the nearest listed artworks by
  cosine distance, only among vectors of the same model; without a vector yet, the
  shared-words ranking (ArtworkQuerySet.similar_to).
- `fused_search(artworks, text)` merges full-text matches with the nearest vectors to the
  query's (reciprocal rank fusion), for searches with few exact matches or that ask.

Every vector query runs under `index_scan()`: pgvector's iterative index scan keeps
reading the index until enough rows pass the filters (visibility, model), so that a
neighbourhood full of private artworks cannot leave the row empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, When
from django.utils import timezone

from gallery import embeddings
from gallery.models import Artwork, ArtworkEmbedding, ArtworkQuerySet, Visibility

logger = logging.getLogger(__name__)

SIMILAR_COUNT = 4
# Reciprocal rank fusion: each list adds 1 / (RRF_K + rank); 60 is the usual constant.
RRF_K = 60
FUSED_RESULTS = 100
# A search with fewer full-text matches than this also lists similar artworks.
FEW_MATCHES = 5
# Farther than these (cosine distance) is not similar. An artwork's row compares two
# artworks, words and look; a search's words alone, where one shared hashed feature
# (a collision, a common trigram) already reaches about 0.76.
MAX_DISTANCE = 0.8
SEARCH_MAX_DISTANCE = 0.7
QUERY_CACHE_SECONDS = 24 * 3600
PROVIDER_DOWN_SECONDS = 60


def artwork_text(artwork: Artwork) -> embeddings.ArtworkText:
    return embeddings.ArtworkText(artwork.prompt, artwork.style, artwork.frames)


def source_digest(text: embeddings.ArtworkText, provider) -> str:
    """A hash of what `provider` makes the vector from (the remote one reads no frames:
    a new frame does not cost a new embedding)."""
    payload = json.dumps(provider.embedded_parts(text), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def embed_artworks(artworks: Sequence[Artwork], *, provider=None, force: bool = False) -> int:
    """Compute and store the vectors of `artworks` (with their frames) that are missing
    or out of date (all of them with `force`); returns how many were embedded. Raises
    EmbeddingError (TemporaryEmbeddingError for a retry) and stores nothing then."""
    provider = provider or embeddings.provider()
    digests = {artwork.pk: source_digest(artwork_text(artwork), provider) for artwork in artworks}
    if not force:
        current = set(
            ArtworkEmbedding.objects.filter(
                model=provider.model, artwork__in=list(digests)
            ).values_list("artwork_id", "source_digest")
        )
        artworks = [a for a in artworks if (a.pk, digests[a.pk]) not in current]
    if not artworks:
        return 0
    vectors = provider.embed_artworks([artwork_text(artwork) for artwork in artworks])
    now = timezone.now()
    rows = [
        ArtworkEmbedding(
            artwork_id=artwork.pk,
            model=provider.model,
            embedding=vector,
            source_digest=digests[artwork.pk],
            created_at=now,
        )
        for artwork, vector in zip(artworks, vectors, strict=True)
    ]
    try:
        _store(rows)
    except IntegrityError:
        # An artwork was deleted while its vector was made: store the others.
        alive = set(Artwork.objects.filter(pk__in=digests).values_list("pk", flat=True))
        rows = [row for row in rows if row.artwork_id in alive]
        _store(rows)
    return len(rows)


def _store(rows: list[ArtworkEmbedding]) -> None:
    with transaction.atomic():
        ArtworkEmbedding.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["artwork", "model"],
            update_fields=["embedding", "source_digest", "created_at"],
        )


def missing(model: str) -> ArtworkQuerySet:
    """Artworks without a vector of `model`."""
    return Artwork.objects.exclude(embeddings__model=model)


@contextmanager
def index_scan(ef_search: int | None = None) -> Iterator[None]:
    """Vector queries inside use the HNSW index iteratively (hnsw.iterative_scan), with
    `ef_search` candidates per step (settings.EMBEDDING_EF_SEARCH)."""
    ef_search = ef_search or settings.EMBEDDING_EF_SEARCH
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
            " set_config('hnsw.ef_search', %s, true)",
            [str(ef_search)],
        )
        yield


def nearest_listed(vector, model: str, *, limit: int, exclude: int | None = None,
                   ef_search: int | None = None) -> list[tuple[int, float]]:  # fmt: skip
    """(artwork id, distance) of the `limit` listed artworks nearest to `vector` among
    vectors of `model`, nearest first."""
    rows = ArtworkEmbedding.objects.filter(model=model, artwork__visibility=Visibility.PUBLIC)
    if exclude is not None:
        rows = rows.exclude(artwork_id=exclude)
    with index_scan(ef_search):
        found = list(rows.nearest(vector, limit=limit).values_list("artwork_id", "distance"))
    # The relaxed order of an iterative scan may be slightly off: put it right.
    return sorted(found, key=lambda row: (row[1], row[0]))


def cards(ids: list[int], highlight: str = "") -> list[Artwork]:
    """The listed artworks `ids` as cards, in that order, with the words of `highlight`
    marked in their snippets."""
    found = Artwork.objects.listed().filter(pk__in=ids).as_cards().select_related("owner")
    if highlight:
        found = found.with_snippets(highlight)
    by_id = {artwork.pk: artwork for artwork in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def similar_artworks(artwork: Artwork, count: int = SIMILAR_COUNT) -> list[Artwork]:
    """The artwork page's "Similar artworks": listed, never the artwork itself."""
    # The configured model's vector; while a new model is being filled in, the old
    # one's (compared with vectors of that model only).
    model = embeddings.provider().model
    model, vector = (
        ArtworkEmbedding.objects.filter(artwork=artwork)
        .order_by(Case(When(model=model, then=0), default=1), "-created_at")
        .values_list("model", "embedding")
        .first()
    ) or (model, None)
    if vector is None:  # not embedded yet: the words it shares
        words = Artwork.objects.listed().similar_to(artwork).as_cards().select_related("owner")
        return list(words[:count])
    nearest = nearest_listed(vector, model, limit=count, exclude=artwork.pk)
    return cards([pk for pk, distance in nearest if distance <= MAX_DISTANCE])


def query_vector(text: str):
    """The vector of a search text, by the configured provider, cached; None when the
    provider fails (the search then stays full-text). A search asks a remote server
    once, briefly, and after a failure not again for PROVIDER_DOWN_SECONDS: an outage
    must not hold every search up."""
    provider = embeddings.provider(attempts=1, timeout=settings.EMBEDDING_SEARCH_TIMEOUT_SECONDS)
    cache = caches["query_vectors"]
    down = f"embedding-down:{provider.model}"
    key = "embedding:" + hashlib.sha256(f"{provider.model}\n{text}".encode()).hexdigest()
    vector = cache.get(key)
    if vector is None:
        if cache.get(down):
            return None
        try:
            (vector,) = provider.embed_queries([text])
        except embeddings.EmbeddingError as error:
            logger.warning("Search by similarity fell back to words only: %s", error)
            cache.set(down, True, PROVIDER_DOWN_SECONDS)
            return None
        cache.set(key, vector, QUERY_CACHE_SECONDS)
    return vector


def fused_search(artworks: ArtworkQuerySet, text: str) -> tuple[list[int], bool]:
    """Ids of `artworks` (already filtered: listed, a tab) matching `text`, best first:
    full-text rank and vector nearness merged by reciprocal rank fusion; and whether
    the vectors found any that the words did not."""
    by_words = list(artworks.search(text).values_list("pk", flat=True)[:FUSED_RESULTS])
    vector = query_vector(text)
    by_vector = []
    if vector is not None:
        model = embeddings.provider().model
        near = [pk for pk, distance in nearest_listed(vector, model, limit=FUSED_RESULTS)
                if distance <= SEARCH_MAX_DISTANCE]  # fmt: skip
        # Only those the list itself allows (a tab's filter).
        allowed = set(artworks.filter(pk__in=near).values_list("pk", flat=True))
        by_vector = [pk for pk in near if pk in allowed]
    scores: dict[int, float] = defaultdict(float)
    for ranking in (by_words, by_vector):
        for rank, pk in enumerate(ranking, start=1):
            scores[pk] += 1 / (RRF_K + rank)
    fused = sorted(scores, key=lambda pk: (-scores[pk], -pk))[:FUSED_RESULTS]
    return fused, bool(set(by_vector) - set(by_words))
