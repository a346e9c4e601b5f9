"""Artworks and everything hanging off them: embeddings, collections, shares,
generation logs, uploaded files and likes.

The numeric rules of DESIGN.md are written twice on purpose: as validators (so forms
give clear messages) and as check constraints (so no code path can store bad rows).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce, Length
from django.urls import reverse
from django.utils import timezone
from pgvector.django import CosineDistance, HnswIndex, VectorField

from gallery import embeddings, pagecache
from gallery import frames as frame_rules
from gallery.expressions import (  # migrations name some as gallery.models.<name>
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    JsonbArrayLength,
    JsonbStringsToTsvector,
    JsonbTypeof,
    SetWeight,
    TrendingKey,
    TsvectorConcat,
)
from gallery.files import (
    DAMAGED,
    FORMAT_OF_MIME_TYPE,
    clean_filename,
    inspect_image,
    thumbnail_of,
)
from gallery.search import tsquery_text

EMBEDDING_DIMENSIONS = embeddings.DIMENSIONS


class Visibility(models.TextChoices):
    """Who may see an artwork or a collection: used by both and by creators' default
    settings (the rules are in gallery/access.py and the QuerySets below)."""

    PUBLIC = "public", "Public"
    UNLISTED = "unlisted", "Unlisted"
    PRIVATE = "private", "Private"


def new_public_id() -> str:
    """72 random bits, URL-safe: an unlisted artwork's URL is its secret."""
    return secrets.token_urlsafe(9)


def new_share_code() -> str:
    """192 random bits, URL-safe (at least 128 are required)."""
    return secrets.token_urlsafe(24)


TRENDING_HALF_LIFE_HOURS = 48
TRENDING_ORDER = ("-trending_key", "-created_at", "-id")
# How many of the newest matches a search ranks, and a similar list considers.
SEARCH_CANDIDATES = 1000
SIMILAR_CANDIDATES = 200


def keep_counters(instance: models.Model, save_kwargs: dict, *counters: str) -> None:
    """Leave `counters` out of a save that updates a row: each has one writer
    (engagement.py, shares.py) that changes it in the database, and writing back the
    value loaded earlier would lose the views or likes counted meanwhile."""
    if instance._state.adding or save_kwargs.get("force_insert"):
        return
    if save_kwargs.get("update_fields") is None:
        save_kwargs["update_fields"] = [
            field.name
            for field in instance._meta.concrete_fields
            if not field.primary_key and not field.generated and field.name not in counters
        ]


def _forgetting_pages(update: Callable[[], int]) -> int:
    """Run a bulk `update`, then have cached pages forgotten once it is committed:
    forgotten before, a visitor's request in between would cache the old rows anew."""
    with transaction.atomic():
        changed = update()
        pagecache.forget_all()
    return changed


# Only public artworks may be featured: the artwork_featured_is_public constraint, and
# every change of visibility or featuring below, follow this.
FEATURABLE = Q(visibility=Visibility.PUBLIC)


class ArtworkQuerySet(models.QuerySet):
    def set_visibility(self, visibility: str) -> int:
        """Give these artworks `visibility` (unfeaturing those that leave public); returns
        how many changed."""
        changes = {"visibility": visibility, "updated_at": timezone.now()}
        if visibility != Visibility.PUBLIC:
            changes["featured"] = False
        return _forgetting_pages(lambda: self.exclude(visibility=visibility).update(**changes))

    def feature(self) -> int:
        """Feature those of these artworks that may be; returns how many changed."""
        return _forgetting_pages(
            lambda: self.filter(FEATURABLE, featured=False).update(
                featured=True, updated_at=timezone.now()
            )
        )

    def unfeature(self) -> int:
        """Stop featuring these artworks; returns how many changed."""
        return _forgetting_pages(
            lambda: self.filter(featured=True).update(featured=False, updated_at=timezone.now())
        )

    def listed(self) -> ArtworkQuerySet:
        """What may appear in the gallery, search, profiles and similar lists."""
        return self.filter(visibility=Visibility.PUBLIC)

    def as_cards(self) -> ArtworkQuerySet:
        """Only what a card shows: the poster frame and the frame count are stored with
        the artwork, so a page of cards never reads (or de-toasts) the frames."""
        return self.defer("frames", "search_vector")

    def trending(self, now: datetime | None = None) -> ArtworkQuerySet:
        """Ordered by engagement that halves every TRENDING_HALF_LIFE_HOURS:

            score = (3 * likes + views + 1) * 0.5 ^ (age_in_hours / half_life)

        A like weighs three views; the +1 lets a brand-new artwork with no engagement
        yet still outrank an old one with none. The order comes from the stored,
        indexed `trending_key` (see TrendingKey). Ties fall back to newest first, then
        id, so pages never shuffle between requests.
        """
        now = now or timezone.now()
        # Past 20 half-lives a score is a millionth of its start: leave those rows out,
        # so that old favourites do not stay on top forever.
        recent = self.filter(created_at__gte=now - timedelta(hours=20 * TRENDING_HALF_LIFE_HOURS))
        return recent.order_by(*TRENDING_ORDER)

    def search(self, text: str) -> ArtworkQuerySet:
        """Full-text search in web-search syntax ("quoted phrase", OR, -word), words
        matched as prefixes while they are typed (gallery/search.py), best match first;
        `search_snippet` is the prompt with the matches between HIGHLIGHT_START and
        HIGHLIGHT_STOP (made safe HTML by the `highlight` filter).

        Only the first SEARCH_CANDIDATES matches are ranked (the newest, or the first
        in the order already set), so that a word found in half the archive costs what
        a rare one does. Filter and order before searching: a filter applied after it
        would only thin out those candidates."""
        query = SearchQuery(tsquery_text(text), search_type="raw", config="english")
        # The first matches in the list's own order (trending's, say), else the newest.
        order = self.query.order_by or ("-created_at", "-id")
        candidates = (
            self.filter(search_vector=query).order_by(*order).values("pk")[:SEARCH_CANDIDATES]
        )
        # The candidates carry every filter of `self`: the outer query only ranks them,
        # and does not repeat the filters (which would make PostgreSQL scan them).
        return (
            self.model.objects.filter(pk__in=candidates)
            .annotate(search_rank=SearchRank(F("search_vector"), query))
            .with_snippets(text)
            .order_by("-search_rank", "-created_at", "-id")
        )

    def with_snippets(self, text: str) -> ArtworkQuerySet:
        """`search_snippet`: the prompt with the words of the search `text` between
        HIGHLIGHT_START and HIGHLIGHT_STOP (made safe HTML by the `highlight` filter)."""
        query = SearchQuery(tsquery_text(text), search_type="raw", config="english")
        return self.annotate(
            search_snippet=SearchHeadline(
                "prompt",
                query,
                config="english",
                start_sel=HIGHLIGHT_START,
                stop_sel=HIGHLIGHT_STOP,
                max_words=20,
                min_words=8,
            )
        )

    def similar_to(self, artwork: Artwork) -> ArtworkQuerySet:
        """Artworks whose prompt or first frame share words with this one's prompt,
        best match first among the newest SIMILAR_CANDIDATES that share any (full-text
        ranking; no embeddings needed)."""
        words = re.findall(r"[^\W_]{3,}", artwork.prompt.lower())[:20]
        if not words:
            return self.none()
        query = SearchQuery(" OR ".join(words), search_type="websearch", config="english")
        candidates = (
            self.filter(search_vector=query)
            .exclude(pk=artwork.pk)
            .order_by("-created_at", "-id")
            .values("pk")[:SIMILAR_CANDIDATES]
        )
        return (
            self.model.objects.filter(pk__in=candidates)
            .annotate(similarity=SearchRank(F("search_vector"), query))
            .order_by("-similarity", "-created_at", "-id")
        )

    def listed_to(self, user) -> ArtworkQuerySet:
        """What may be listed, or linked, for `user`: public artworks and their own
        (everything for staff). Unlisted URLs are secrets no list may publish."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        shown = Q(visibility=Visibility.PUBLIC)
        if user.is_authenticated:
            shown |= Q(owner=user)
        return self.filter(shown)

    def visible_to(self, user) -> ArtworkQuerySet:
        """Everything `user` may open by its direct URL."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        shown = Q(visibility__in=OPEN_BY_URL)
        if user.is_authenticated:
            shown |= Q(owner=user)
        return self.filter(shown)


# Whom an artwork's URL opens for: anyone who has it, unless it is private.
OPEN_BY_URL = (Visibility.PUBLIC, Visibility.UNLISTED)


class Artwork(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="artworks",
        db_index=False,  # covered by artwork_by_user
    )
    prompt = models.TextField(
        validators=[MaxLengthValidator(frame_rules.MAX_PROMPT)],
        help_text="What the artwork shows, in the creator's words.",
    )
    frames = models.JSONField(help_text="A list of text frames, played in order.")
    width = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(frame_rules.MIN_WIDTH),
            MaxValueValidator(frame_rules.MAX_WIDTH),
        ]
    )
    height = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(frame_rules.MIN_HEIGHT),
            MaxValueValidator(frame_rules.MAX_HEIGHT),
        ]
    )
    fps = models.PositiveSmallIntegerField(
        "frames per second",
        default=10,
        validators=[MinValueValidator(frame_rules.MIN_FPS), MaxValueValidator(frame_rules.MAX_FPS)],
    )
    generator = models.CharField(max_length=50, default="manual")
    model = models.CharField(max_length=200, blank=True)
    style = models.CharField(max_length=100, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    featured = models.BooleanField(default=False)
    remixed_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remixes",
        help_text="The artwork this one started from, if it is a remix.",
    )
    likes_count = models.PositiveIntegerField(default=0, editable=False)
    views_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # What a card shows, kept by the database whenever the frames change: lists read
    # these two small columns, never the frames (up to 500 of them) they come from.
    poster_frame = models.GeneratedField(
        expression=KeyTextTransform("0", "frames"),
        output_field=models.TextField(),
        db_persist=True,
    )
    frame_count = models.GeneratedField(
        verbose_name="frame count",
        # Guarded, so that frames that are not a list fail artwork_frames_count.
        expression=models.Case(
            models.When(
                models.lookups.Exact(JsonbTypeof("frames"), "array"),
                then=JsonbArrayLength("frames"),
            ),
            default=0,
        ),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
    )
    # Trending order, kept by the database as the counters change (TrendingKey).
    trending_key = models.GeneratedField(
        expression=TrendingKey(
            "likes_count",
            "views_count",
            "created_at",
            half_life_hours=TRENDING_HALF_LIFE_HOURS,
        ),
        output_field=models.FloatField(),
        db_persist=True,
    )
    # Full-text search: the prompt weighs most (A), the text drawn in the first frame
    # less (B). Only the first frame: all 500 could exceed PostgreSQL's 1 MB tsvector.
    search_vector = models.GeneratedField(
        expression=TsvectorConcat(
            SearchVector("prompt", config="english", weight="A"),
            SetWeight(JsonbStringsToTsvector(KeyTransform(0, "frames")), models.Value("B")),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ArtworkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="artwork_by_user"),
            # With the id, so that a deep page of the gallery skips rows in the index.
            models.Index(fields=["visibility", "-created_at", "-id"], name="artwork_by_visibility"),
            models.Index(fields=["-created_at"], name="artwork_by_created"),
            models.Index(
                fields=["-created_at"],
                condition=Q(featured=True),
                name="artwork_by_featured",
            ),
            # A profile: its listed artworks newest first, and their count and likes
            # summed from the index alone.
            models.Index(
                fields=["owner", "-created_at", "-id"],
                include=["likes_count"],
                condition=Q(visibility=Visibility.PUBLIC),
                name="artwork_listed_by_user",
            ),
            # Trending: the listed artworks in the order of trending(); its 40-day
            # window filters rows as the index is read.
            models.Index(
                F("trending_key").desc(),
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(visibility=Visibility.PUBLIC),
                name="artwork_trending",
            ),
            GinIndex(fields=["search_vector"], name="artwork_search_prompt"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fps__gte=frame_rules.MIN_FPS, fps__lte=frame_rules.MAX_FPS),
                name="artwork_fps_range",
            ),
            models.CheckConstraint(
                condition=Q(width__gte=frame_rules.MIN_WIDTH, width__lte=frame_rules.MAX_WIDTH),
                name="artwork_width_range",
            ),
            models.CheckConstraint(
                condition=Q(height__gte=frame_rules.MIN_HEIGHT, height__lte=frame_rules.MAX_HEIGHT),
                name="artwork_height_range",
            ),
            models.CheckConstraint(
                condition=Q(likes_count__gte=0) & Q(views_count__gte=0),
                name="artwork_counters_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="artwork_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(featured=False) | FEATURABLE,
                name="artwork_featured_is_public",
                violation_error_message="Only public artworks can be featured.",
            ),
            models.CheckConstraint(
                condition=models.lookups.Range(
                    Length("prompt"), (frame_rules.MIN_PROMPT, frame_rules.MAX_PROMPT)
                ),
                name="artwork_prompt_length",
            ),
            models.CheckConstraint(
                condition=models.lookups.Exact(JsonbTypeof("frames"), "array")
                & models.lookups.Range(
                    JsonbArrayLength("frames"), (frame_rules.MIN_FRAMES, frame_rules.MAX_FRAMES)
                ),
                name="artwork_frames_count",
            ),
        ]

    def __str__(self) -> str:
        prompt = self.prompt if len(self.prompt) <= 60 else self.prompt[:59] + "…"
        return f"{prompt} ({self.public_id})"

    def save(self, *args, **kwargs) -> None:
        if self.visibility != Visibility.PUBLIC:
            self.featured = False  # FEATURABLE: leaving public unfeatures
        keep_counters(self, kwargs, "likes_count", "views_count")
        super().save(*args, **kwargs)
        if "frames" not in self.get_deferred_fields() and isinstance(self.frames, list):
            # The database computed these from the frames; Django reads them back after
            # an INSERT only. The same values, so that this instance tells no old story.
            self.poster_frame = self.frames[0] if self.frames else None
            self.frame_count = len(self.frames)

    def get_absolute_url(self) -> str:
        return reverse("gallery:artwork", args=[self.public_id])

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if not (self.prompt or "").strip():
            errors["prompt"] = ValidationError("Describe the artwork in a few words.")
        elif frame_rules.bad_character(self.prompt, allow_newlines=False):
            errors["prompt"] = ValidationError(
                "The prompt contains %(bad)s; use printable characters.",
                params={"bad": frame_rules.bad_character(self.prompt, allow_newlines=False)},
            )
        try:
            frame_rules.validate_frames(self.frames, self.width, self.height)
        except ValidationError as error:
            field = {"width_out_of_range": "width", "height_out_of_range": "height"}
            errors[field.get(error.code, "frames")] = error
        if errors:
            raise ValidationError(errors)

    @property
    def duration_seconds(self) -> float:
        return self.frame_count / self.fps


class ArtworkEmbeddingQuerySet(models.QuerySet):
    def nearest(self, vector, *, limit: int) -> ArtworkEmbeddingQuerySet:
        """The `limit` embeddings closest to `vector` by cosine distance (`distance`),
        through the HNSW index: filter by model and visibility first, and run it under
        gallery.similarity.index_scan so that filters cannot starve the result."""
        return self.annotate(distance=CosineDistance("embedding", vector)).order_by("distance")[
            :limit
        ]


class ArtworkEmbedding(models.Model):
    """An artwork's vector by one provider and model (gallery/embeddings.py), kept up to
    date by the embed_artwork job; vectors of different models are never compared."""

    artwork = models.ForeignKey(
        Artwork,
        on_delete=models.CASCADE,
        related_name="embeddings",
        db_index=False,  # covered by embedding_one_per_artwork_model
    )
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    model = models.CharField(max_length=200)
    # A hash of what the vector was made from, so that a save that changes neither the
    # words nor the frames is not embedded (and paid for) again.
    source_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArtworkEmbeddingQuerySet.as_manager()

    class Meta:
        indexes = [
            HnswIndex(
                name="embedding_by_cosine",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["artwork", "model"], name="embedding_one_per_artwork_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} embedding of {self.artwork_id}"


class CollectionQuerySet(models.QuerySet):
    def listed(self) -> CollectionQuerySet:
        return self.filter(visibility=Collection.Visibility.PUBLIC)

    def with_counts(self) -> CollectionQuerySet:
        """`public_count`: how many items are public artworks, the only number that may
        be shown to everyone; `item_count`: all items, for the owner."""
        return self.annotate(
            public_count=models.Count(
                "items", filter=Q(items__artwork__visibility=Visibility.PUBLIC)
            ),
            # The owner's own artworks in any visibility, other people's while public.
            item_count=models.Count(
                "items",
                filter=Q(items__artwork__visibility=Visibility.PUBLIC)
                | Q(items__artwork__owner=F("owner")),
            ),
        )

    def visible_to(self, user) -> CollectionQuerySet:
        """Everything `user` may open by its direct URL: as for artworks, an unlisted
        collection is open to anyone with its URL and listed nowhere (`listed`)."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        shown = Q(visibility__in=OPEN_BY_URL)
        if user.is_authenticated:
            shown |= Q(owner=user)
        return self.filter(shown)


class Collection(models.Model):
    # The artworks' three, with the same meaning (DESIGN.md, gallery/access.py).
    Visibility = Visibility

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="collections",
        db_index=False,  # covered by collection_by_user
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(2000)])
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    artworks = models.ManyToManyField(
        Artwork, through="CollectionItem", related_name="collections", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="collection_by_user"),
            models.Index(fields=["visibility", "-created_at"], name="collection_by_visibility"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values),
                name="collection_visibility_valid",
            ),
            models.CheckConstraint(
                condition=models.lookups.GreaterThan(Length("name"), 0),
                name="collection_name_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("gallery:collection", args=[self.public_id])

    @staticmethod
    def may_hold(owner_id: int, artwork: Artwork) -> bool:
        """A collection holds public artworks, and its owner's own artworks of any
        visibility (listed to others only while public: access.collection_items_for)."""
        return artwork.visibility == Visibility.PUBLIC or artwork.owner_id == owner_id

    def can_include(self, artwork: Artwork) -> bool:
        return self.may_hold(self.owner_id, artwork)

    def move(self, item: CollectionItem, offset: int) -> bool:
        """Swap `item` with its neighbour `offset` (-1 up, +1 down) places away."""
        with transaction.atomic():
            items = list(self.items.select_for_update().order_by("position"))
            index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
            if index is None or not 0 <= index + offset < len(items):
                return False
            neighbour = items[index + offset]
            mine, theirs = items[index].position, neighbour.position
            # The position constraint is checked at commit, so the swap may pass
            # through a moment where both rows hold the same position.
            CollectionItem.objects.filter(pk=item.pk).update(position=theirs)
            CollectionItem.objects.filter(pk=neighbour.pk).update(position=mine)
            Collection.objects.filter(pk=self.pk).update(updated_at=timezone.now())
            pagecache.forget_all()
        return True

    def move_to(self, item: CollectionItem, index: int) -> None:
        """Put `item` at `index` (0-based) in one step, the items between shifting by
        one; positions become 0..n-1 again (a removal leaves a gap). Raises
        IndexError, changing nothing, unless 0 <= index < the number of items."""
        with transaction.atomic():
            # Locked as append() locks it, so that no item arrives while renumbering.
            Collection.objects.select_for_update().filter(pk=self.pk).exists()
            positions = dict(
                self.items.select_for_update().order_by("position").values_list("pk", "position")
            )
            if item.pk not in positions:
                raise CollectionItem.DoesNotExist
            if not 0 <= index < len(positions):
                raise IndexError(f"A position from 1 to {len(positions)}")
            order = [pk for pk in positions if pk != item.pk]
            order.insert(index, item.pk)
            moved = [
                CollectionItem(pk=pk, position=new)
                for new, pk in enumerate(order)
                if positions[pk] != new
            ]
            # One UPDATE; the position constraint is checked at commit (it is deferred).
            CollectionItem.objects.bulk_update(moved, ["position"])
            Collection.objects.filter(pk=self.pk).update(updated_at=timezone.now())
            pagecache.forget_all()

    def append(self, artwork: Artwork) -> CollectionItem:
        """Add `artwork` at the end (no-op if already there)."""
        with transaction.atomic():
            # Lock the collection so that two appends cannot take the same position.
            Collection.objects.select_for_update().filter(pk=self.pk).exists()
            item = self.items.filter(artwork=artwork).first()
            if item:
                return item
            last = self.items.aggregate(last=models.Max("position"))["last"]
            return self.items.create(artwork=artwork, position=0 if last is None else last + 1)


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="collection_items")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "artwork"], name="collectionitem_artwork_once"
            ),
            # Deferred, so that a reorder can swap positions inside one transaction.
            models.UniqueConstraint(
                fields=["collection", "position"],
                name="collectionitem_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.position + 1}"


class ShareQuerySet(models.QuerySet):
    def live(self) -> ShareQuerySet:
        """Shares that may still be viewed right now."""
        return self.filter(
            Q(revoked_at__isnull=True),
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            Q(max_views__isnull=True) | Q(view_count__lt=F("max_views")),
        )

    def revoke(self) -> int:
        """Revoke the shares that are not revoked yet; returns how many changed."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


class Share(models.Model):
    class Status(models.TextChoices):
        LIVE = "live", "Live"
        EXPIRED = "expired", "Expired"
        USED_UP = "used_up", "Used up"
        REVOKED = "revoked", "Revoked"

    artwork = models.ForeignKey(
        Artwork,
        on_delete=models.CASCADE,
        related_name="shares",
        db_index=False,  # covered by share_by_artwork
    )
    code = models.CharField(max_length=64, default=new_share_code, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_views = models.PositiveIntegerField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ShareQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["artwork", "-created_at"], name="share_by_artwork")]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="share_by_share_code"),
            models.CheckConstraint(
                condition=Q(max_views__isnull=True) | Q(max_views__gt=0),
                name="share_max_views_positive",
                violation_error_message="A view limit must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(view_count__gte=0)
                & (Q(max_views__isnull=True) | Q(view_count__lte=F("max_views"))),
                name="share_view_count_within_limit",
            ),
            models.CheckConstraint(
                condition=models.lookups.GreaterThanOrEqual(Length("code"), 22),
                name="share_code_long_enough",
            ),
        ]

    def __str__(self) -> str:
        return f"Share {self.code[:8]}… of {self.artwork_id}"

    def save(self, *args, **kwargs) -> None:
        keep_counters(self, kwargs, "view_count")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.max_views is not None and self.max_views < self.view_count:
            raise ValidationError(
                {
                    "max_views": f"This link has already been viewed {self.view_count} times;"
                    " the limit cannot be lower."
                }
            )

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        if self.max_views is not None and self.view_count >= self.max_views:
            return self.Status.USED_UP
        return self.Status.LIVE

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def views_left(self) -> int | None:
        """Views the link still allows (this one counted), None without a limit."""
        return None if self.max_views is None else max(0, self.max_views - self.view_count)


class GenerationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# A generation's provider when it is an upload's conversion (gallery/uploads.py): it
# shares the progress page and the log, not the generation rate limit.
CONVERSION_PROVIDER = "image"


class GenerationQuerySet(models.QuerySet):
    def recent(self, limit: int = 5, days: int = 7) -> GenerationQuerySet:
        """The newest few of the last `days`, without their frames: what the studio
        lists so that a creator learns how their generations ended."""
        since = timezone.now() - timedelta(days=days)
        return self.filter(created_at__gte=since).defer("result", "request")[:limit]

    def prompted(self) -> GenerationQuerySet:
        """Generations from a prompt, without the uploads' conversions."""
        return self.exclude(provider=CONVERSION_PROVIDER)


class Generation(models.Model):
    """One attempt to generate an artwork, kept whether it worked or not. It is queued
    by the studio, run by a job (gallery/generation/jobs.py), and ends done or failed."""

    Status = GenerationStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # The log holds the user's prompts: it goes with the account.
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="generations",
        db_index=False,  # covered by generation_by_user
    )
    prompt = models.TextField()
    provider = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=GenerationStatus.choices, default=GenerationStatus.QUEUED
    )
    # Safe to show the creator: never a key, never a traceback.
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(
        default=0, help_text="How long the provider took, on the last try."
    )
    cost = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, help_text="In US dollars."
    )
    # What was asked (prompt, width, height, fps, frame_count, seed, style), so that a
    # worker can run it later, and again if its first worker died.
    request = models.JSONField(null=True, blank=True, editable=False)
    # What a successful attempt produced (frames, width, height, fps, style), so that the
    # creator can open it in the editor, now or later, without paying for it again.
    result = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="generation_by_user"),
            models.Index(fields=["-created_at"], name="generation_by_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(duration_ms__gte=0), name="generation_duration_ok"),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="generation_cost_ok"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GenerationStatus.values), name="generation_status_ok"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.status} in {self.duration_ms} ms"

    @property
    def success(self) -> bool:
        """The status seen as a yes/no, for the log's readers."""
        return self.status == GenerationStatus.DONE

    @property
    def is_finished(self) -> bool:
        return self.status in (GenerationStatus.DONE, GenerationStatus.FAILED)

    @property
    def is_conversion(self) -> bool:
        """An upload's conversion (gallery/uploads.py), not a generation from a prompt."""
        return self.provider == CONVERSION_PROVIDER


# The only kinds of file a creator may upload (gallery/files.py).
IMAGE_MIME_TYPES = list(FORMAT_OF_MIME_TYPE)


def file_storage_key(instance: File, filename: str) -> str:
    """A random object key; the user's filename is kept in the row, never in the key."""
    known = FORMAT_OF_MIME_TYPE.get(instance.mime_type)
    extension = f".{known.extensions[0]}" if known else ""
    return f"uploads/{secrets.token_hex(16)}{extension}"


class FileQuerySet(models.QuerySet):
    def bytes_used(self) -> int:
        """The stored bytes of these files: a creator's usage against the quota."""
        return self.aggregate(total=Coalesce(Sum("size"), 0))["total"]


class File(models.Model):
    """An uploaded image in the default storage (S3 in production) under a random key,
    with what was measured from its bytes. Uploads go through gallery/uploads.py."""

    file = models.FileField(upload_to=file_storage_key, max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="files",
        db_index=False,  # covered by file_by_user
    )
    # The artwork converted from it, which it goes with.
    artwork = models.ForeignKey(
        Artwork,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="files",
        db_index=False,  # covered by file_by_artwork
    )
    filename = models.CharField(max_length=255, blank=True, help_text="As the user named it.")
    # All measured from the uploaded bytes (see clean), never typed in.
    mime_type = models.CharField(
        max_length=50, choices=[(t, t) for t in IMAGE_MIME_TYPES], editable=False
    )
    size = models.PositiveBigIntegerField(help_text="In bytes.", editable=False)
    # Null for files stored before sizes were recorded.
    width = models.PositiveIntegerField(null=True, editable=False, help_text="In pixels.")
    height = models.PositiveIntegerField(null=True, editable=False, help_text="In pixels.")
    frame_count = models.PositiveIntegerField(default=1, editable=False)
    # A small WebP of the first frame, drawn by us: safe to show inline, unlike the upload.
    thumbnail = models.BinaryField(blank=True, default=b"", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="file_by_user"),
            models.Index(fields=["artwork"], name="file_by_artwork"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(mime_type__in=IMAGE_MIME_TYPES),
                name="file_image_types_only",
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="file_size_not_negative"),
            models.CheckConstraint(condition=Q(frame_count__gte=1), name="file_frames_ok"),
        ]

    def __str__(self) -> str:
        return self.filename

    def save(self, *args, **kwargs) -> None:
        """Write the object, then the row; if the row fails, remove the object again so
        that no object is left without a row. (A storage failure raises before the
        INSERT, so no row is left without an object.)"""
        new_upload = bool(self.file) and not self.file._committed
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
        except BaseException:
            if new_upload and self.file._committed:
                self.file.storage.delete(self.file.name)
            raise

    def clean(self) -> None:
        """For a new upload: check the bytes and record what they are."""
        upload = getattr(self.file, "file", None)
        if upload is None or self.file._committed:
            return
        try:
            facts = inspect_image(upload)
        except ValidationError as error:
            raise ValidationError({"file": error}) from None
        self.mime_type, self.size = facts.mime_type, upload.size
        # What the storage labels the object with: the sniffed type, not the client's.
        upload.content_type = facts.mime_type
        self.width, self.height, self.frame_count = facts.width, facts.height, facts.frames
        self.filename = clean_filename(self.filename or upload.name)
        # Drawing the thumbnail decodes the first frame: one whose pixels are damaged
        # (its structure intact) is refused here rather than at every conversion.
        self.thumbnail = thumbnail_of(upload)
        if not self.thumbnail:
            raise ValidationError({"file": ValidationError(DAMAGED, code="file_damaged")})

    @property
    def pixels(self) -> str:
        """The pixel size as people write it, with the frame count of an animation."""
        if not self.width:
            return ""
        size = f"{self.width}×{self.height}"
        return f"{size}, {self.frame_count} frames" if self.frame_count > 1 else size

    @property
    def is_animated(self) -> bool:
        return self.frame_count > 1

    @property
    def kind(self) -> str:
        """The format as people name it: "PNG", "JPEG", "GIF", "WebP"."""
        known = FORMAT_OF_MIME_TYPE.get(self.mime_type)
        return known.label if known else self.mime_type


class ArtworkView(models.Model):
    """When a visitor's view of an artwork was last counted: at most once a day each.

    `visitor` is "u:<user id>" for a signed-in user, else a salted hash of the client
    address and browser, so no tracking cookie is needed and no address is stored.
    """

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="view_log")
    visitor = models.CharField(max_length=64)
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artwork", "visitor"], name="view_once_per_visitor")
        ]
        indexes = [models.Index(fields=["counted_at"], name="view_by_counted")]

    def __str__(self) -> str:
        return f"{self.visitor} saw {self.artwork_id}"


class Like(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="likes",
        db_index=False,  # covered by like_once_per_user
    )
    artwork = models.ForeignKey(
        Artwork,
        on_delete=models.CASCADE,
        related_name="likes",
        db_index=False,  # covered by like_by_artwork
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["artwork", "-created_at"], name="like_by_artwork")]
        constraints = [
            models.UniqueConstraint(fields=["user", "artwork"], name="like_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} likes {self.artwork_id}"


class ImportedRecord(models.Model):
    """Which row a document of the original app's Convex snapshot became
    (gallery/convex_import.py), so that importing again updates rather than doubles."""

    table = models.CharField(max_length=50)
    convex_id = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "convex_id"], name="imported_once")]

    def __str__(self) -> str:
        return f"{self.table} {self.convex_id} → {self.object_id}"


class ConvexImportRun(models.Model):
    """One import of a Convex snapshot started from the admin: the snapshot is in the
    default storage already (uploaded straight to the bucket), a job imports it, and
    the report (CSV) goes to the storage beside it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    snapshot = models.CharField(max_length=255, help_text="Its name in the storage.")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    summary = models.TextField(blank=True)
    report = models.CharField(max_length=255, blank=True, help_text="Its name in the storage.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import from the original app"
        verbose_name_plural = "imports from the original app"

    def __str__(self) -> str:
        return f"{self.snapshot} ({self.get_status_display()})"
