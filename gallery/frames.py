"""The one place that knows what valid frames are.

An artwork is a list of text frames. Every frame has at most `height` lines of at most
`width` characters. The model's clean(), every form and the importers call
`validate_frames`; the database repeats the numeric limits as check constraints.
The artwork page's player fetches the frames from a URL versioned here (frames_url).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.urls import reverse

if TYPE_CHECKING:
    from gallery.models import Artwork

MIN_FRAMES, MAX_FRAMES = 1, 500
MIN_WIDTH, MAX_WIDTH = 1, 300
MIN_HEIGHT, MAX_HEIGHT = 1, 150
MIN_FPS, MAX_FPS = 1, 60
MIN_PROMPT, MAX_PROMPT = 1, 2000

# In the editor's single textarea, a line holding exactly this separates two frames.
FRAME_SEPARATOR = "----- frame -----"


def split_lines(frame: str) -> list[str]:
    """A frame's lines; Windows and old Mac line endings count as newlines."""
    return frame.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def normalize_newlines(frames: Sequence[str]) -> list[str]:
    return ["\n".join(split_lines(frame)) for frame in frames]


def split_frames(text: str) -> list[str]:
    """The editor's text as frames: split on separator lines, with the line breaks
    around each separator belonging to the separator, not to the frames."""
    frames, current = [], []
    for line in split_lines(text):
        if line.rstrip() == FRAME_SEPARATOR:
            frames.append("\n".join(current))
            current = []
        else:
            current.append(line)
    frames.append("\n".join(current))
    # A trailing newline after the last frame is an editor artefact, not a blank line.
    if frames and frames[-1].endswith("\n"):
        frames[-1] = frames[-1][:-1]
    if len(frames) > 1 and frames[-1] == "":
        frames.pop()  # the text ended with a separator
    return frames


def join_frames(frames: Sequence[str]) -> str:
    return f"\n{FRAME_SEPARATOR}\n".join(frames)


def measure(frames: Sequence[str]) -> tuple[int, int]:
    """(width, height) of the smallest canvas that holds every frame."""
    width = max((len(line) for frame in frames for line in split_lines(frame)), default=0)
    height = max((len(split_lines(frame)) for frame in frames), default=0)
    return width, height


def fit(frame: str, width: int, height: int) -> str:
    """The frame padded with spaces or cut to exactly width x height."""
    lines = split_lines(frame)[:height]
    lines += [""] * (height - len(lines))
    return "\n".join(line[:width].ljust(width) for line in lines)


def bad_character(text: str, *, allow_newlines: bool = True) -> str | None:
    """How to name the first character that has no place in art or a title, if any."""
    for char in text:
        if char in "\n\r" and allow_newlines:
            continue
        if char in "\n\r":
            return "a line break"
        if char == "\t":
            return "a tab"
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            return f"the control character U+{ord(char):04X}"
    return None


def validate_frames(frames: object, width: int, height: int) -> None:
    """Raise ValidationError with a message a creator can act on, or return None.

    Messages name the first offending frame (counted from 1) and line, so a creator
    with 300 frames can find it.
    """
    if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
        raise ValidationError("Frames must be a list of text frames.", code="frames_type")
    if len(frames) < MIN_FRAMES:
        raise ValidationError("Add at least one frame.", code="frames_empty")
    if len(frames) > MAX_FRAMES:
        raise ValidationError(
            "An artwork can have at most %(max)d frames; this one has %(count)d.",
            code="frames_too_many",
            params={"max": MAX_FRAMES, "count": len(frames)},
        )
    validate_size(width, height)
    for number, frame in enumerate(frames, start=1):
        bad = bad_character(frame)
        if bad:
            raise ValidationError(
                "Frame %(number)d contains %(bad)s; use spaces and printable characters.",
                code="frame_bad_character",
                params={"number": number, "bad": bad},
            )
        lines = split_lines(frame)
        if len(lines) > height:
            raise ValidationError(
                "Frame %(number)d has %(lines)d lines; the height is %(height)d.",
                code="frame_too_tall",
                params={"number": number, "lines": len(lines), "height": height},
            )
        for line_number, line in enumerate(lines, start=1):
            if len(line) > width:
                raise ValidationError(
                    "Line %(line)d of frame %(number)d is %(length)d characters wide;"
                    " the width is %(width)d.",
                    code="frame_too_wide",
                    params={
                        "line": line_number,
                        "number": number,
                        "length": len(line),
                        "width": width,
                    },
                )


def validate_size(width: object, height: object) -> None:
    for name, value, low, high in (
        ("width", width, MIN_WIDTH, MAX_WIDTH),
        ("height", height, MIN_HEIGHT, MAX_HEIGHT),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(
                "%(label)s must be a whole number from %(low)d to %(high)d characters.",
                code=f"{name}_out_of_range",
                params={"label": name.capitalize(), "low": low, "high": high},
            )


# --- The player's copy of the frames -----------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def frames_version(artwork: Artwork) -> str:
    """Changes whenever the frames may have changed: every save of an artwork bumps
    its updated_at. A URL that carries it may be cached for good (frames_url)."""
    microseconds = (artwork.updated_at - _EPOCH) // timedelta(microseconds=1)
    return hashlib.sha256(f"{artwork.pk}:{microseconds}".encode()).hexdigest()[:16]


def frames_url(artwork: Artwork) -> str:
    """Where the artwork page's player fetches the frames: a new URL for each version,
    so caches never serve old frames."""
    path = reverse("gallery:artwork_frames", args=[artwork.public_id])
    return f"{path}?v={frames_version(artwork)}"
