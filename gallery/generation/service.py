"""The entry point of generation, and the rules around it.

A generation is logged as exactly one `Generation` row, whether it works or not:
`queue_generation(user, provider, model, request)` applies the per-user rate limit and
logs it as queued; `run_generation(id)` (the job in `jobs.py`) checks the request, picks
a provider, runs it and records done or failed. `generate_artwork(...)` does both at
once, in-process. `available_providers(user)` lists what a creator can pick from.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Provider
from gallery import frames as frame_rules
from gallery.generation.base import (
    UNEXPECTED,
    UNFINISHED,
    GenerationError,
    GenerationProvider,
    GenerationRequest,
    GenerationResult,
    RateLimited,
    TemporaryGenerationError,
)
from gallery.generation.chat import ChatCompletionsProvider
from gallery.generation.procedural import PROCEDURAL, PROCEDURAL_LABEL, ProceduralProvider
from gallery.models import Generation
from gallery.outbound import UnsafeURL, check_base_url

logger = logging.getLogger(__name__)

RATE_WINDOW = timedelta(hours=1)

# How many frames a generation may ask for: fewer than an artwork may hold
# (gallery/frames.py), and at least two, since the point is that it moves.
MIN_GENERATED_FRAMES, MAX_GENERATED_FRAMES = 2, 120
# A language model writes every character: 24 frames of 80x24 is already ~46k
# characters of output, near what providers return in one answer.
MAX_AI_FRAMES = 24


# --- Choosing a provider --------------------------------------------------------------


def _is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def available_providers(user) -> list[tuple[str, str]]:
    """(value, label) choices this user can generate with: procedural first, then each
    remote provider the user has a key for, or the server has a key for."""
    own = (
        set(ApiKey.objects.filter(user=user).values_list("provider", flat=True))
        if _is_signed_in(user)
        else set()
    )
    served = {
        provider
        for provider, key in settings.AI_SERVER_KEYS.items()
        if key and settings.AI_BASE_URLS.get(provider)
    }
    choices = [(PROCEDURAL, PROCEDURAL_LABEL)]
    choices += [(value, label) for value, label in Provider.choices if value in own | served]
    return choices


def provider_for(user, provider: str, model: str) -> GenerationProvider:
    """The provider to run, with the creator's newest key for it, else the server's."""
    if provider == PROCEDURAL:
        return ProceduralProvider()
    if provider not in Provider.values:
        raise GenerationError("Choose one of the offered providers.")
    label = Provider(provider).label
    if not model.strip():
        raise GenerationError(f"Choose a model for {label}.")
    api_key = (
        ApiKey.objects.filter(user=user, provider=provider).order_by("-created_at", "-id").first()
        if _is_signed_in(user)
        else None
    )
    if api_key is not None:
        key = api_key.key
        if provider == Provider.OPENAI_COMPATIBLE:
            base_url = api_key.base_url
            if not base_url:
                raise GenerationError(
                    f"Your {label} key has no base URL: add it in Settings → API keys."
                )
            # Checked again now, not only when the key was saved: DNS can change.
            try:
                check_base_url(base_url)
            except UnsafeURL as error:
                raise GenerationError(f"Your {label} key's base URL is refused: {error}") from None
        else:
            base_url = settings.AI_BASE_URLS[provider]
    elif settings.AI_SERVER_KEYS.get(provider) and settings.AI_BASE_URLS.get(provider):
        key, base_url = settings.AI_SERVER_KEYS[provider], settings.AI_BASE_URLS[provider]
    else:
        raise GenerationError(f"No API key for {label}: add one in Settings → API keys.")
    return ChatCompletionsProvider(
        base_url, key, model.strip(), float(settings.AI_TIMEOUT_SECONDS), name=provider
    )


# --- Checking a request --------------------------------------------------------------


def max_frames_for(provider: str) -> int:
    """The most frames `provider` may be asked for."""
    return MAX_GENERATED_FRAMES if provider == PROCEDURAL else MAX_AI_FRAMES


def check_frame_count(provider: str, frame_count: int) -> None:
    """Raise GenerationError unless `provider` may be asked for `frame_count` frames."""
    low, high = MIN_GENERATED_FRAMES, MAX_GENERATED_FRAMES
    if not _is_whole(frame_count) or not low <= frame_count <= high:
        raise GenerationError(f"The frame count must be a whole number from {low} to {high}.")
    if frame_count > max_frames_for(provider):
        raise GenerationError(
            f"AI providers can draw up to {MAX_AI_FRAMES} frames; the procedural"
            f" generator up to {MAX_GENERATED_FRAMES}."
        )


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_request(provider: str, request: GenerationRequest) -> None:
    """The studio form checks all this; a request that slipped past still gets a clear
    message rather than a crash deep in a provider."""
    if not request.prompt.strip():
        raise GenerationError("Describe the artwork in a few words.")
    if len(request.prompt) > frame_rules.MAX_PROMPT:
        raise GenerationError(f"Keep the prompt under {frame_rules.MAX_PROMPT + 1} characters.")
    try:
        frame_rules.validate_size(request.width, request.height)
    except ValidationError as error:
        raise GenerationError(error.messages[0]) from None
    check_frame_count(provider, request.frame_count)
    low, high = frame_rules.MIN_FPS, frame_rules.MAX_FPS
    if not _is_whole(request.fps) or not low <= request.fps <= high:
        raise GenerationError(f"Frames per second must be a whole number from {low} to {high}.")


# --- The entry point ------------------------------------------------------------------


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _reserve_attempt(user, provider: str, model: str, request: GenerationRequest) -> Generation:
    """Check the rate limit and log the attempt as queued, in one transaction.

    The user's row is locked while counting, and the new row is what the next request
    counts, so parallel requests (on any app server) cannot slip past the limit together.
    """
    limit = settings.GENERATION_RATE_LIMIT
    signed_in = _is_signed_in(user)
    with transaction.atomic():
        if limit and signed_in:
            now = timezone.now()
            get_user_model().objects.lock(user)
            recent = Generation.objects.prompted().filter(
                user=user, created_at__gt=now - RATE_WINDOW
            )
            count = recent.count()
            if count >= limit:
                # Free again once enough of the recent attempts have left the window.
                times = recent.order_by("created_at").values_list("created_at", flat=True)
                free_at = times[count - limit] + RATE_WINDOW
                raise RateLimited(
                    f"You can start {limit} generations an hour; try again in"
                    f" {_minutes((free_at - now).total_seconds())}."
                )
        return Generation.objects.create(
            user=user if signed_in else None,
            prompt=request.prompt,
            provider=provider[:50],
            model=(model.strip() or provider)[:200],
            status=Generation.Status.QUEUED,
            request=dataclasses.asdict(request),
        )


def queue_generation(user, provider: str, model: str, request: GenerationRequest) -> Generation:
    """Log a generation as queued, for `run_generation` to run (in a job).

    Raises RateLimited, logging nothing, when the user is over the hourly limit: the
    limit counts requests, whether they end done or failed.
    """
    return _reserve_attempt(user, provider, model, request)


def _request_of(attempt: Generation) -> GenerationRequest:
    try:
        return GenerationRequest(**attempt.request)
    except TypeError as error:
        raise GenerationError(UNFINISHED) from error


def run_generation(generation_id: int, *, may_retry: bool = False) -> Generation | None:
    """Run one queued generation and record how it ended. Safe to run twice: a finished
    row is left alone, a running one (its worker died) is run again.

    With `may_retry`, a temporary failure (TemporaryGenerationError) puts the row back
    in the queue and is raised, for the job to try again later; otherwise every failure
    ends the row failed, with a message safe to show. Returns the row (None if it is
    gone with its account).
    """
    with transaction.atomic():
        attempt = Generation.objects.select_for_update().filter(pk=generation_id).first()
        if attempt is None or attempt.is_finished:
            return attempt
        attempt.status = Generation.Status.RUNNING
        attempt.started_at = attempt.started_at or timezone.now()
        attempt.save(update_fields=["status", "started_at"])
    started = time.monotonic()
    try:
        request = _request_of(attempt)
        _check_request(attempt.provider, request)
        result = provider_for(attempt.user, attempt.provider, attempt.model).generate(request)
    except TemporaryGenerationError as error:
        if not may_retry:
            _finish(attempt, started, error=str(error))
            return attempt
        attempt.status = Generation.Status.QUEUED
        attempt.error = str(error)  # shown while it waits for the next try
        attempt.duration_ms = _elapsed_ms(started)
        attempt.save(update_fields=["status", "error", "duration_ms"])
        logger.info("Generation %s will be tried again: %s", attempt.pk, error)
        raise
    except GenerationError as error:
        _finish(attempt, started, error=str(error))
        logger.warning("Generation %s with %s failed: %s", attempt.pk, attempt.provider, error)
    except Exception:
        _finish(attempt, started, error=UNEXPECTED)
        logger.exception("Generation %s with %s failed unexpectedly", attempt.pk, attempt.provider)
    else:
        _finish(attempt, started, result=result, request=request)
    return attempt


def fail_generation(generation_id: int, error: str) -> bool:
    """End a queued or running generation failed with `error` (safe to show), for when
    its job cannot finish it; a finished row is left alone. True if it was ended."""
    return bool(
        Generation.objects.filter(
            pk=generation_id, status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING]
        ).update(status=Generation.Status.FAILED, error=error, finished_at=timezone.now())
    )


def generate_artwork(
    user, provider: str, model: str, request: GenerationRequest
) -> GenerationResult:
    """Generate frames for `request` with `provider` and `model`, here and now: the
    studio's job path (queue, then run) in one call, without retries.

    Raises RateLimited (logging nothing) when the user is over the hourly limit, and
    GenerationError for every other failure. Every other attempt is logged as exactly
    one Generation row. Call it outside a transaction: the row must stay even when the
    caller's work fails, and a provider can take a minute.
    """
    attempt = run_generation(queue_generation(user, provider, model, request).pk)
    if attempt.status != Generation.Status.DONE:
        raise GenerationError(attempt.error or UNEXPECTED)
    result = attempt.result
    return GenerationResult(
        frames=result["frames"],
        provider=attempt.provider,
        model=attempt.model,
        cost=attempt.cost,
        generation_id=attempt.pk,
    )


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _finish(
    attempt: Generation,
    started: float,
    *,
    result: GenerationResult | None = None,
    request: GenerationRequest | None = None,
    error: str = "",
) -> None:
    attempt.duration_ms = _elapsed_ms(started)
    attempt.status = Generation.Status.DONE if result is not None else Generation.Status.FAILED
    attempt.error = error
    attempt.finished_at = timezone.now()
    if result is not None:
        attempt.model = result.model[:200]
        attempt.cost = result.cost
        if request is not None:
            attempt.result = {
                "frames": result.frames,
                "width": request.width,
                "height": request.height,
                "fps": request.fps,
                "style": request.style,
                "note": result.note,
            }
    attempt.save(
        update_fields=[
            "duration_ms",
            "status",
            "error",
            "finished_at",
            "model",
            "cost",
            "result",
        ]
    )
