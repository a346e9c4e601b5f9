"""Generating an artwork from a prompt: the providers behind the studio.

`generate_artwork(user, provider, model, request)` is the one entry point and
`available_providers(user)` lists what a creator can pick from; both live in `service`.
This package's public names are re-exported here, so that callers import
`gallery.generation` and not its modules.
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
