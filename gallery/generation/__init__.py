"""Generating an artwork from a prompt: the providers behind the studio.

- `service`: `queue_generation(user, provider, model, request)`, which applies the rate
  limit and logs the attempt as queued; `run_generation(id)`, which runs it and records
  how it ended; `generate_artwork(...)`, both at once; and `available_providers(user)`,
  what a creator can pick from.
- `jobs`: the background job that runs a queued generation, with retries and backoff
  (imported by `gallery.tasks`, not from here, so that importing generation does not
  need the job queue).
- `procedural`: the offline provider, drawing with `gallery.generators`.
- `chat`: every remote provider, through the OpenAI chat-completions protocol.
- `parsing`: frames read leniently from a model's answer, then forced into the
  requested shape.
- `base`: the request and result types, the errors and the messages they share.

Callers import the public names from here, not from the modules.
"""

from gallery.generation.base import (
    KEY_REFUSED,
    NOT_FRAMES,
    PROVIDER_RATE_LIMITED,
    STALE,
    TOO_SLOW,
    UNEXPECTED,
    UNFINISHED,
    UNREACHABLE,
    GenerationError,
    GenerationProvider,
    GenerationRequest,
    GenerationResult,
    RateLimited,
    TemporaryGenerationError,
)
from gallery.generation.chat import ChatCompletionsProvider
from gallery.generation.parsing import normalise_frames, parse_frames
from gallery.generation.procedural import (
    PROCEDURAL,
    PROCEDURAL_LABEL,
    ProceduralProvider,
    banner_text,
)
from gallery.generation.service import (
    MAX_AI_FRAMES,
    MAX_GENERATED_FRAMES,
    MIN_GENERATED_FRAMES,
    available_providers,
    check_frame_count,
    generate_artwork,
    max_frames_for,
    provider_for,
    queue_generation,
    run_generation,
)

__all__ = [
    "KEY_REFUSED",
    "MAX_AI_FRAMES",
    "MAX_GENERATED_FRAMES",
    "MIN_GENERATED_FRAMES",
    "NOT_FRAMES",
    "PROCEDURAL",
    "PROCEDURAL_LABEL",
    "PROVIDER_RATE_LIMITED",
    "STALE",
    "TOO_SLOW",
    "UNEXPECTED",
    "UNFINISHED",
    "UNREACHABLE",
    "ChatCompletionsProvider",
    "GenerationError",
    "GenerationProvider",
    "GenerationRequest",
    "GenerationResult",
    "ProceduralProvider",
    "RateLimited",
    "TemporaryGenerationError",
    "available_providers",
    "banner_text",
    "check_frame_count",
    "generate_artwork",
    "max_frames_for",
    "normalise_frames",
    "parse_frames",
    "provider_for",
    "queue_generation",
    "run_generation",
]
