"""Reading frames out of whatever a language model answers, and forcing them into the
requested shape: a result always has exactly `frame_count` frames of exactly `width` x
`height` characters."""

from __future__ import annotations

import json
import re
import unicodedata

from gallery import frames as frame_rules
from gallery.generation.base import NOT_FRAMES, GenerationError

_FENCED = re.compile(r"```[\w-]*[ \t]*\n?(.*?)```", re.DOTALL)


def find_json(text: str) -> object | None:
    """The first JSON object or array in a model's answer, inside ``` fences or around
    chatter; None if there is none."""
    decoder = json.JSONDecoder()
    for candidate in [*(m.group(1) for m in _FENCED.finditer(text)), text]:
        candidate = candidate.strip()
        # Only the first { and the first [: trying every bracket of a long broken answer
        # would parse it again and again.
        starts = sorted(i for i in (candidate.find("{"), candidate.find("[")) if i >= 0)
        for start in starts:
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except ValueError:
                continue
            if isinstance(value, dict | list):
                return value
    return None


def parse_frames(text: str) -> list[str]:
    """Frames from a model's answer: {"frames": [...]} or a bare list, possibly fenced.

    A frame given as a list of lines is accepted too (models often do that, since JSON
    strings cannot span lines). Anything else raises GenerationError.
    """
    data = find_json(text)
    if isinstance(data, dict):
        data = data.get("frames")
    if not isinstance(data, list) or not data:
        raise GenerationError(NOT_FRAMES)
    if all(
        isinstance(frame, list) and all(isinstance(line, str) for line in frame) for frame in data
    ):
        data = ["\n".join(frame) for frame in data]
    if not all(isinstance(frame, str) for frame in data):
        raise GenerationError(NOT_FRAMES)
    return data


# Characters that validate_frames refuses; white space of any kind becomes a plain space.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def _clean_line(line: str) -> str:
    kept = []
    for char in line.expandtabs(8):
        category = unicodedata.category(char)
        if category.startswith("Z"):
            kept.append(" ")
        elif category not in _DROPPED_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def normalise_frames(frames: list[str], width: int, height: int, frame_count: int) -> list[str]:
    """Exactly `frame_count` frames of exactly width x height: cleaned, fitted, and
    repeated in order (or cut) to the count."""
    fitted = [
        frame_rules.fit(
            "\n".join(_clean_line(line) for line in frame_rules.split_lines(frame)), width, height
        )
        for frame in frames[:frame_count]
    ]
    return [fitted[index % len(fitted)] for index in range(frame_count)]
