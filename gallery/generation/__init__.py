"""Generating an artwork from a prompt: the providers behind the studio.

- `service`: the entry point, `generate_artwork(user, provider, model, request)`, which
  applies the rate limit, checks the request, runs a provider and logs the attempt; and
  `available_providers(user)`, what a creator can pick from.
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
    "available_providers",
    "banner_text",
    "check_frame_count",
    "generate_artwork",
    "max_frames_for",
    "normalise_frames",
    "parse_frames",
    "provider_for",
]
