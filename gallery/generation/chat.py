"""Remote providers. Every one speaks the OpenAI chat-completions protocol: OpenRouter
and OpenAI natively, Anthropic and Google through their OpenAI-compatible endpoints, and
any server a creator brings a key and base URL for."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal

import requests
from urllib3.exceptions import ReadTimeoutError

from accounts.models import Provider
from gallery.generation.base import (
    KEY_REFUSED,
    PROVIDER_RATE_LIMITED,
    TOO_SLOW,
    UNREACHABLE,
    GenerationError,
    GenerationRequest,
    GenerationResult,
    TemporaryGenerationError,
)
from gallery.generation.parsing import find_json, normalise_frames, parse_frames

# Largest answer read from a provider: 500 frames of 300 x 150 characters is about
# 23 MB of JSON; anything bigger is not frames we could use.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# The plan is a hint for the second request; a rambling one would only cost tokens.
MAX_PLAN_CHARS = 2000


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
            raise TemporaryGenerationError(TOO_SLOW) from error
        except requests.ConnectionError as error:
            # requests reports a read timeout in the middle of the body this way.
            cause = error.args[0] if error.args else None
            raise TemporaryGenerationError(
                TOO_SLOW if isinstance(cause, ReadTimeoutError) else UNREACHABLE
            ) from error
        except requests.RequestException as error:
            raise GenerationError(UNREACHABLE) from error
        return _completion_from(raw)


def _check_status(status: int) -> None:
    """Raise unless `status` is a success: TemporaryGenerationError where trying again
    later may work (429, 5xx), GenerationError where it will not."""
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise GenerationError(KEY_REFUSED)
    if status == 429:
        raise TemporaryGenerationError(PROVIDER_RATE_LIMITED)
    message = f"The provider answered with an error (HTTP {status})."
    raise TemporaryGenerationError(message) if status >= 500 else GenerationError(message)


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
