"""Generating an artwork from a prompt: the providers behind the studio.

`generate_artwork(user, provider, model, request)` is the one entry point. It applies
the per-user rate limit, picks a provider, runs it and logs the attempt as exactly one
`Generation` row, whether it worked or not. `available_providers(user)` lists what a
creator can pick from.

The procedural provider draws offline with `gallery.generators`. Every remote provider
speaks the OpenAI chat-completions protocol: OpenRouter and OpenAI natively, Anthropic
and Google through their OpenAI-compatible endpoints, and any server a creator brings a
key and base URL for. Whatever a model answers is parsed leniently and then forced into
the requested shape, so a result always has exactly `frame_count` frames of exactly
`width` x `height` characters.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from urllib3.exceptions import ReadTimeoutError

from accounts.models import ApiKey, Provider
from gallery import frames as frame_rules
from gallery.generation.base import (
    KEY_REFUSED,
    PROVIDER_RATE_LIMITED,
    TOO_SLOW,
    UNEXPECTED,
    UNFINISHED,
    UNREACHABLE,
    GenerationError,
    GenerationProvider,
    GenerationRequest,
    GenerationResult,
    RateLimited,
)
from gallery.generation.parsing import find_json, normalise_frames, parse_frames
from gallery.generation.procedural import PROCEDURAL, PROCEDURAL_LABEL, ProceduralProvider
from gallery.models import Generation
from gallery.outbound import UnsafeURL, check_base_url

logger = logging.getLogger(__name__)

# Largest answer read from a provider: 500 frames of 300 x 150 characters is about
# 23 MB of JSON; anything bigger is not frames we could use.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# The plan is a hint for the second request; a rambling one would only cost tokens.
MAX_PLAN_CHARS = 2000
RATE_WINDOW = timedelta(hours=1)

# How many frames a generation may ask for: fewer than an artwork may hold
# (gallery/frames.py), and at least two, since the point is that it moves.
MIN_GENERATED_FRAMES, MAX_GENERATED_FRAMES = 2, 120
# A language model writes every character: 24 frames of 80x24 is already ~46k
# characters of output, near what providers return in one answer.
MAX_AI_FRAMES = 24


# --- Remote: the chat-completions protocol -------------------------------------------


@dataclass(frozen=True)
class _Completion:
    content: str
    cost: Decimal | None
    cut_off: bool  # the model stopped at its token limit


class ChatCompletionsProvider:
    """Any server speaking OpenAI's POST {base_url}/chat/completions.

    Two requests: a short plan first (what is drawn and how it moves), then the frames
    with that plan, so that the drawing follows one idea from the first frame to the last.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float,
        *,
        name: str = Provider.OPENAI_COMPATIBLE.value,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.name = name

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and error reports.
        return f"ChatCompletionsProvider({self.name!r}, {self.base_url!r}, {self.model!r})"

    def generate(self, request: GenerationRequest) -> GenerationResult:
        with requests.Session() as session:
            session.trust_env = False  # no proxies or netrc from the server's environment
            plan = self._complete(session, _plan_messages(request), temperature=0.8)
            drawn = self._complete(
                session,
                _frames_messages(request, _plan_text(plan.content)),
                temperature=0.4,
            )
        try:
            frames = parse_frames(drawn.content)
        except GenerationError:
            if drawn.cut_off:
                raise GenerationError(
                    "The model's answer was cut off before the frames were complete;"
                    " try fewer or smaller frames."
                ) from None
            raise
        costs = [c.cost for c in (plan, drawn) if c.cost is not None]
        return GenerationResult(
            frames=normalise_frames(frames, request.width, request.height, request.frame_count),
            provider=self.name,
            model=self.model,
            cost=sum(costs, Decimal(0)) if costs else None,
        )

    def _complete(
        self, session: requests.Session, messages: list[dict[str, str]], *, temperature: float
    ) -> _Completion:
        body: dict[str, object] = {
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
        }
        if self.name == Provider.OPENROUTER:
            # OpenRouter-only extension: report the cost in `usage`. Others may refuse it.
            body["usage"] = {"include": True}
        try:
            response = session.post(
                f"{self.base_url}/chat/completions",
                json=body,
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=self.timeout,
                stream=True,  # so that an oversized answer is cut off, not buffered
                allow_redirects=False,  # a redirect could lead to a private address
            )
            with response:
                _check_status(response.status_code)
                raw = _read_limited(response)
        except requests.Timeout as error:
            raise GenerationError(TOO_SLOW) from error
        except requests.ConnectionError as error:
            # requests reports a read timeout in the middle of the body this way.
            cause = error.args[0] if error.args else None
            raise GenerationError(
                TOO_SLOW if isinstance(cause, ReadTimeoutError) else UNREACHABLE
            ) from error
        except requests.RequestException as error:
            raise GenerationError(UNREACHABLE) from error
        return _completion_from(raw)


def _check_status(status: int) -> None:
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise GenerationError(KEY_REFUSED)
    if status == 429:
        raise GenerationError(PROVIDER_RATE_LIMITED)
    raise GenerationError(f"The provider answered with an error (HTTP {status}).")


def _read_limited(response: requests.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise GenerationError("The provider's answer was too large.")
        chunks.append(chunk)
    return b"".join(chunks)


def _completion_from(raw: bytes) -> _Completion:
    """The text of the first choice, its cost and whether it was cut off."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    choice = None
    if isinstance(data, dict) and isinstance(data.get("choices"), list) and data["choices"]:
        choice = data["choices"][0]
    message = choice.get("message") if isinstance(choice, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        # Some servers answer with content parts: [{"type": "text", "text": "..."}].
        content = (
            "".join(part.get("text", "") for part in content if isinstance(part, dict)) or None
        )
    if not isinstance(content, str):
        if isinstance(data, dict) and "error" in data:
            # OpenRouter reports some upstream failures with HTTP 200 and an error body.
            raise GenerationError("The provider reported an error instead of an answer.")
        raise GenerationError("The provider's answer is not a chat completion.")
    return _Completion(
        content=content,
        cost=_cost(data.get("usage")),
        cut_off=choice.get("finish_reason") == "length",
    )


def _cost(usage: object) -> Decimal | None:
    cost = usage.get("cost") if isinstance(usage, dict) else None
    # bool is an int in Python; JSON true is not a price.
    if not isinstance(cost, int | float) or isinstance(cost, bool):
        return None
    return Decimal(str(cost)) if math.isfinite(cost) and cost >= 0 else None


def _describe(request: GenerationRequest) -> str:
    lines = [
        f"The creator asks for: {request.prompt.strip()}",
        f"Canvas: {request.width} columns x {request.height} rows of monospace text.",
        f"Animation: {request.frame_count} frames at {request.fps} frames per second,"
        " looping smoothly from the last frame back to the first.",
    ]
    if request.style.strip():
        lines.append(f"Style: {request.style.strip()}")
    return "\n".join(lines)


def _plan_messages(request: GenerationRequest) -> list[dict[str, str]]:
    return [
        {
            "role": "system",
            "content": "You design short looping ASCII-art animations for a text terminal.",
        },
        {
            "role": "user",
            "content": _describe(request)
            + "\n\nPlan the animation. Answer with only a short JSON object:"
            ' {"scene": "...", "elements": ["..."], "motion": "..."}',
        },
    ]


def _frames_messages(request: GenerationRequest, plan: str) -> list[dict[str, str]]:
    return [
        {
            "role": "system",
            "content": "You draw ASCII-art animations. You answer with JSON only, no"
            " commentary and no code fences.",
        },
        {
            "role": "user",
            "content": _describe(request)
            + f"\nPlan: {plan}"
            + f'\n\nDraw it. Answer with only {{"frames": ["...", "..."]}}: exactly'
            f" {request.frame_count} frames; each frame one string of exactly"
            f" {request.height} lines joined by \\n, each line exactly {request.width}"
            " characters (pad with spaces). Printable ASCII only, no tabs. Change each"
            " frame a little from the previous one so that the drawing moves.",
        },
    ]


def _plan_text(content: str) -> str:
    """The plan as compact text; a model that ignored the JSON request still helps."""
    found = find_json(content)
    text = json.dumps(found, ensure_ascii=False) if isinstance(found, dict) else content
    return " ".join(text.split())[:MAX_PLAN_CHARS] or "(none)"


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


def _reserve_attempt(user, provider: str, model: str, prompt: str) -> Generation:
    """Check the rate limit and log the attempt as unfinished, in one transaction.

    The user's row is locked while counting, and the new row is what the next request
    counts, so parallel requests (on any app server) cannot slip past the limit together.
    """
    limit = settings.GENERATION_RATE_LIMIT
    signed_in = _is_signed_in(user)
    with transaction.atomic():
        if limit and signed_in:
            now = timezone.now()
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk"))
            recent = Generation.objects.filter(user=user, created_at__gt=now - RATE_WINDOW)
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
            prompt=prompt,
            provider=provider[:50],
            model=(model.strip() or provider)[:200],
            success=False,
            error=UNFINISHED,
            duration_ms=0,
        )


def generate_artwork(
    user, provider: str, model: str, request: GenerationRequest
) -> GenerationResult:
    """Generate frames for `request` with `provider` and `model`.

    Raises RateLimited (logging nothing) when the user is over the hourly limit, and
    GenerationError for every other failure. Every other attempt is logged as exactly
    one Generation row. Call it outside a transaction: the row must stay even when the
    caller's work fails, and a provider can take a minute.
    """
    attempt = _reserve_attempt(user, provider, model, request.prompt)
    started = time.monotonic()
    try:
        _check_request(provider, request)
        result = provider_for(user, provider, model).generate(request)
    except GenerationError as error:
        _finish(attempt, started, error=str(error))
        logger.warning("Generation %s with %s failed: %s", attempt.pk, provider, error)
        raise
    except Exception as error:
        _finish(attempt, started, error=UNEXPECTED)
        logger.exception("Generation %s with %s failed unexpectedly", attempt.pk, provider)
        raise GenerationError(UNEXPECTED) from error
    _finish(attempt, started, result=result, request=request)
    return dataclasses.replace(result, generation_id=attempt.pk)


def _finish(
    attempt: Generation,
    started: float,
    *,
    result: GenerationResult | None = None,
    request: GenerationRequest | None = None,
    error: str = "",
) -> None:
    attempt.duration_ms = max(0, round((time.monotonic() - started) * 1000))
    attempt.success = result is not None
    attempt.error = error
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
            }
    attempt.save(update_fields=["duration_ms", "success", "error", "model", "cost", "result"])
