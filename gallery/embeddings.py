"""Embeddings: vectors of 1536 numbers that put similar artworks near each other.

Two providers, chosen by settings.EMBEDDING_PROVIDER:

- `local` (the default): no model, no network. A vector hashed from the prompt's words,
  word pairs, letter trigrams and the procedural scenes' keyword groups ("blizzard" and
  "winter" both mean snow), and from how the frames look: how dense, which kinds of
  characters, where the ink is, how much moves and which way. It finds artworks with
  close words and a close look; it does not understand meaning.
- `openai-compatible`: POST {EMBEDDING_BASE_URL}/embeddings, as OpenAI's API and many
  servers speak it, in batches, with time-outs and retries on 429 and 5xx.

`provider()` is the configured one; its `model` is what the `model` column records, so
that vectors of different providers are never compared.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import requests
from django.conf import settings

from gallery.generators import scene_of_word

logger = logging.getLogger(__name__)

DIMENSIONS = 1536
# The local vector's two parts: the words, then the look (fixed slots, never collide).
TEXT_DIMENSIONS = 1280
LOOK_DIMENSIONS = DIMENSIONS - TEXT_DIMENSIONS
# Squared weights of the parts in an artwork's vector: cosine similarity of two
# artworks is 0.6 x their words' similarity + 0.4 x their look's.
TEXT_WEIGHT, LOOK_WEIGHT = math.sqrt(0.6), math.sqrt(0.4)

LOCAL_MODEL = "local-v1"
REMOTE_PREFIX = "openai-compatible:"

STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is",
    "it", "its", "of", "on", "or", "over", "the", "their", "this", "to", "under", "with",
    "without",
})  # fmt: skip

Vector = list[float]


class EmbeddingError(Exception):
    """The provider refused or failed for good; the message is safe to log and show."""


class TemporaryEmbeddingError(EmbeddingError):
    """Worth trying again later (429, 5xx, a time-out, no connection)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when the server said


@dataclass(frozen=True)
class ArtworkText:
    """What an embedding is made from: the artwork's words and frames."""

    prompt: str
    style: str = ""
    frames: Sequence[str] = ()


# --- Helpers ------------------------------------------------------------------------


def _hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


def _words(text: str) -> list[str]:
    words = []
    for word in re.findall(r"[^\W_]+", text.lower()):
        if word in STOPWORDS:
            continue
        # Cheap plurals: "mountains" and "mountain" are one word.
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


def text_features(text: str) -> Counter:
    """Weighted features of a text: words, neighbouring pairs, letter trigrams, and the
    scene a keyword stands for."""
    features: Counter = Counter()
    words = _words(text)
    for word in words:
        features[f"w:{word}"] += 1.0
        scene = scene_of_word(word)
        if scene:
            features[f"scene:{scene}"] += 1.0
        padded = f"#{word}#"
        grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
        for gram in grams:
            features[f"g:{gram}"] += 0.6 / len(grams)
    for first, second in itertools.pairwise(words):
        features[f"p:{first} {second}"] += 0.5
    return features


def _text_block(text: str) -> Vector:
    block = [0.0] * TEXT_DIMENSIONS
    for feature, weight in text_features(text).items():
        hashed = _hash(feature)
        block[hashed % TEXT_DIMENSIONS] += weight if hashed >> 63 else -weight
    return _unit(block)


# --- The look of frames ---------------------------------------------------------------

GLYPH_CLASSES = {
    "space": " ",
    "dots": ".,:;'`\"",
    "lines": "|-_/\\~=",
    "stars": "*+x",
    "dense": "#@%&$8",
    "blocks": "░▒▓█▀▄▌▐",
    "brackets": "()[]{}<>",
}
SAMPLED_FRAMES = 8
BINS = 8


def _soft_bins(value: float, bins: int = BINS) -> list[float]:
    """A 0-1 value spread over two neighbouring bins, so that close values stay close."""
    position = min(max(value, 0.0), 1.0) * (bins - 1)
    low = int(position)
    out = [0.0] * bins
    out[low] = 1 - (position - low)
    if low + 1 < bins:
        out[low + 1] = position - low
    return out


def _profile(values: list[float], bins: int = BINS) -> list[float]:
    """`values` averaged into `bins` equal stretches."""
    if not values:
        return [0.0] * bins
    out = []
    for index in range(bins):
        start = index * len(values) // bins
        end = max(start + 1, (index + 1) * len(values) // bins)
        chunk = values[start:end]
        out.append(sum(chunk) / len(chunk))
    return out


def look_features(frames: Sequence[str]) -> Vector:
    """The look of frames as LOOK_DIMENSIONS numbers (each group scaled to unit length)."""
    if not frames:
        return [0.0] * LOOK_DIMENSIONS
    step = max(1, len(frames) // SAMPLED_FRAMES)
    sample = [frame.split("\n") for frame in frames[::step][:SAMPLED_FRAMES]]
    width = max((len(line) for lines in sample for line in lines), default=1) or 1
    grids = [[line.ljust(width) for line in lines] for lines in sample]
    text = "".join("".join(lines) for lines in grids)
    total = len(text) or 1
    counts = Counter(text)
    ink = 1 - counts[" "] / total

    classes = [sum(counts[char] for char in chars) / total for chars in GLYPH_CLASSES.values()]
    letters = sum(n for char, n in counts.items() if char.isalpha() and char not in "x") / total
    digits = sum(n for char, n in counts.items() if char.isdigit()) / total
    glyphs = [0.0] * 128
    for char, number in counts.items():
        if char != " ":
            glyphs[_hash(f"c:{char}") % 128] += number / total

    # Where the ink is, on the first sampled frame: by row and by column.
    rows = [1 - row.count(" ") / width for row in grids[0]]
    columns = [
        sum(grid_line[column] != " " for grid_line in grids[0]) / max(1, len(grids[0]))
        for column in range(width)
    ]
    changed, fell = [], []
    for before, after in itertools.pairwise(grids):
        cells = sum(len(line) for line in before) or 1
        changed.append(sum(a != b for x, y in zip(before, after, strict=False)
                           for a, b in zip(x, y, strict=False)) / cells)  # fmt: skip
        # Ink that moved one row down: rain, snow, fire rising shows as its opposite.
        down = sum(a == b != " " for x, y in zip(before, after[1:], strict=False)
                   for a, b in zip(x, y, strict=False))  # fmt: skip
        stay = sum(a == b != " " for x, y in zip(before, after, strict=False)
                   for a, b in zip(x, y, strict=False))  # fmt: skip
        fell.append(down / (down + stay) if down + stay else 0.5)
    motion = sum(changed) / len(changed) if changed else 0.0
    falling = sum(fell) / len(fell) if fell else 0.5

    groups = [
        _soft_bins(ink, 16),
        [*classes, letters, digits],
        glyphs,
        _profile(rows, 16),
        _profile(columns, 16),
        _soft_bins(min(1.0, motion * 4), 16),
        _soft_bins(falling, 8),
        _soft_bins(min(1.0, math.log2(len(frames)) / 9), 8),
    ]
    vector = []
    for group in groups:
        vector += _unit(list(group))
    vector += [0.0] * (LOOK_DIMENSIONS - len(vector))
    return _unit(vector[:LOOK_DIMENSIONS])


# --- Providers --------------------------------------------------------------------------


class LocalProvider:
    """Hashed words and look: deterministic, offline, fast (a few ms an artwork)."""

    model = LOCAL_MODEL
    # What its vectors find: artworks by their words and look, searches by words only
    # (a search has no look).
    describes, searches_by = "words and look", "words"

    @staticmethod
    def embedded_parts(artwork: ArtworkText) -> tuple:
        """What the vector is made of: the words and the frames."""
        return (artwork.prompt, artwork.style, list(artwork.frames))

    def embed_artworks(self, artworks: Sequence[ArtworkText]) -> list[Vector]:
        return [self.combine(self.words_part(a), self.look_part(a.frames)) for a in artworks]

    # The two parts apart, so that a bulk load can reuse the look of shared frames.
    @staticmethod
    def words_part(artwork: ArtworkText) -> Vector:
        return _text_block(f"{artwork.prompt} {artwork.style}")

    @staticmethod
    def look_part(frames: Sequence[str]) -> Vector:
        return look_features(frames)

    @staticmethod
    def combine(words: Vector, look: Vector) -> Vector:
        return [TEXT_WEIGHT * v for v in words] + [LOOK_WEIGHT * v for v in look]

    def embed_queries(self, texts: Sequence[str]) -> list[Vector]:
        # Only the words: a query has no look, so it ranks artworks by their words.
        return [_text_block(text) + [0.0] * LOOK_DIMENSIONS for text in texts]


class OpenAICompatibleProvider:
    """Any server speaking OpenAI's /v1/embeddings: the prompt (and style) embedded."""

    describes = searches_by = "meaning"
    BATCH = 64

    def __init__(self, base_url: str, api_key: str, model: str, *, timeout: float = 30.0,
                 attempts: int = 4, retry_wait: float = 1.0,
                 dimensions: int | None = DIMENSIONS) -> None:  # fmt: skip
        self.url = base_url.rstrip("/") + "/embeddings"
        self.api_key, self.name, self.timeout = api_key, model, timeout
        self.attempts, self.retry_wait, self.dimensions = attempts, retry_wait, dimensions
        self.model = f"{REMOTE_PREFIX}{model}"

    @staticmethod
    def embedded_parts(artwork: ArtworkText) -> tuple:
        """What the vector is made of: the words only."""
        return (artwork.prompt, artwork.style)

    def embed_artworks(self, artworks: Sequence[ArtworkText]) -> list[Vector]:
        return self.embed_queries([f"{a.prompt}\n{a.style}".strip() for a in artworks])

    def embed_queries(self, texts: Sequence[str]) -> list[Vector]:
        vectors: list[Vector] = []
        for start in range(0, len(texts), self.BATCH):
            vectors += self._batch(list(texts[start : start + self.BATCH]))
        return vectors

    def _batch(self, texts: list[str]) -> list[Vector]:
        for attempt in range(1, self.attempts + 1):
            try:
                return self._post(texts)
            except TemporaryEmbeddingError as error:
                if attempt == self.attempts:
                    raise
                wait = error.retry_after or self.retry_wait * 2 ** (attempt - 1)
                logger.info("Embeddings: %s; trying again in %.1f s", error, wait)
                time.sleep(min(wait, 30.0))
        raise AssertionError("unreachable")

    def _post(self, texts: list[str]) -> list[Vector]:
        body = {"model": self.name, "input": texts}
        if self.dimensions:  # some servers refuse the parameter: their size must fit
            body["dimensions"] = self.dimensions
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = requests.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except requests.Timeout as error:
            raise TemporaryEmbeddingError("the embeddings server took too long") from error
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            raise TemporaryEmbeddingError("the embeddings server cannot be reached") from error
        except requests.RequestException as error:  # a bad URL, too many redirects...
            raise EmbeddingError(f"the embeddings server cannot be asked ({error})") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryEmbeddingError(
                f"the embeddings server answered {response.status_code}",
                retry_after=_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code in (401, 403):
            raise EmbeddingError(f"the embeddings server refused the key ({response.status_code})")
        if response.status_code != 200:
            raise EmbeddingError(f"the embeddings server answered {response.status_code}")
        return _vectors_from(response, len(texts))


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _vectors_from(response: requests.Response, expected: int) -> list[Vector]:
    try:
        items = sorted(response.json()["data"], key=lambda item: item["index"])
        vectors = [[float(value) for value in item["embedding"]] for item in items]
    except (ValueError, KeyError, TypeError) as error:
        raise EmbeddingError("the embeddings server's answer is not embeddings") from error
    if len(vectors) != expected or any(len(vector) != DIMENSIONS for vector in vectors):
        raise EmbeddingError(
            f"the embeddings server must answer {expected} vectors of {DIMENSIONS} numbers"
        )
    # JSON may carry NaN and Infinity, which pgvector refuses; a zero vector has no
    # direction to compare.
    if not all(math.isfinite(value) for vector in vectors for value in vector) or not all(
        any(vector) for vector in vectors
    ):
        raise EmbeddingError("the embeddings server answered vectors without a direction")
    return [_unit(vector) for vector in vectors]


def provider(model: str | None = None, *, attempts: int = 4,
             timeout: float | None = None) -> LocalProvider | OpenAICompatibleProvider:  # fmt: skip
    """The provider that makes vectors of `model` (`local-v1` or
    `openai-compatible:<name>`; the configured one by default), trying a remote server
    `attempts` times, waiting `timeout` seconds (EMBEDDING_TIMEOUT_SECONDS) for each."""
    if model is None:
        remote = settings.EMBEDDING_PROVIDER == "openai-compatible"
        model = f"{REMOTE_PREFIX}{settings.EMBEDDING_MODEL}" if remote else LOCAL_MODEL
    if model == LOCAL_MODEL:
        return LocalProvider()
    if model.startswith(REMOTE_PREFIX) and model != REMOTE_PREFIX:
        return OpenAICompatibleProvider(
            settings.EMBEDDING_BASE_URL,
            settings.EMBEDDING_API_KEY,
            model.removeprefix(REMOTE_PREFIX),
            timeout=timeout or settings.EMBEDDING_TIMEOUT_SECONDS,
            attempts=attempts,
            dimensions=settings.EMBEDDING_DIMENSIONS or None,
        )
    raise EmbeddingError(f'unknown model "{model}": use {LOCAL_MODEL} or {REMOTE_PREFIX}<name>')
