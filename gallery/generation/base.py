"""What every part of generation shares: the request and result types, the errors, the
provider protocol, and the messages a creator may see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

NOT_FRAMES = "The model returned something that is not animation frames."
KEY_REFUSED = "The provider refused the API key."
PROVIDER_RATE_LIMITED = "The provider is rate limiting requests; try again in a minute."
UNREACHABLE = "Could not reach the provider."
TOO_SLOW = "The provider took too long to answer."
UNEXPECTED = "Something went wrong while generating; please try again."
# What a row says when it failed without finishing its work.
UNFINISHED = "The generation did not finish."
# What a row says when no job was left to finish it (see jobs.fail_stale_generations).
STALE = "The generation did not finish; please try again."


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    width: int
    height: int
    fps: int
    frame_count: int
    seed: int | str = 0
    style: str = ""
    scene: str = ""  # the procedural scene the creator chose; empty: the words choose


@dataclass(frozen=True)
class GenerationResult:
    frames: list[str]  # exactly frame_count frames, each exactly width x height
    provider: str  # "procedural", "openrouter", ...
    model: str  # for procedural: "procedural/<scene>"
    cost: Decimal | None = None  # in US dollars, when the provider reports it
    generation_id: int | None = None  # the logged Generation row, to reopen the result
    note: str = ""  # what the creator should know of how it was made ("the snow scene...")


class GenerationError(Exception):
    """A failed generation. Its str() is safe to show the creator: never a key, never a
    traceback."""


class TemporaryGenerationError(GenerationError):
    """A failure that may pass: the provider was busy (429), broken for a moment (5xx),
    slow or unreachable. The job tries again later; the last try's message stays."""


class RateLimited(GenerationError):
    """The creator started too many generations in the last hour."""


class GenerationProvider(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> GenerationResult: ...
