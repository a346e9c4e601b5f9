"""Terminal recordings as artworks: an asciinema v2 `.cast` file replayed through a
terminal emulator (pyte), its screen sampled at the artwork's fps.

The v2 format is one JSON header line ({"version": 2, "width": ..., "height": ...})
followed by one JSON event per line, `[seconds, type, data]`. Output events ("o") are
fed to the emulator; resize events ("r", data "COLSxROWS") resize the emulated terminal
while the artwork keeps the header's size; input, marker and unknown events are ignored.
The frame at time t is the screen after every event at or before t.
"""

from __future__ import annotations

import json
import math
import unicodedata
from typing import NamedTuple

import pyte
from django.core.exceptions import ValidationError

from gallery import frames as frame_rules

# Beyond these a header is not a terminal anyone recorded: refused, not clipped.
MAX_CAST_COLUMNS = 1000
MAX_CAST_ROWS = 1000
# Characters that never reach a frame (controls, formats, private use, unassigned).
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


class CastFrames(NamedTuple):
    frames: list[str]
    width: int
    height: int
    clipped: bool
    note: str


class _Event(NamedTuple):
    time: float
    kind: str
    data: str | tuple[int, int]  # output text, or (columns, rows) of a resize


def is_cast(name: str) -> bool:
    return (name or "").lower().endswith(".cast")


def frames_from_cast(text: str, fps: int) -> CastFrames:
    """The frames a terminal showed at 0, 1/fps, 2/fps, ... until the recording's end,
    at the header's size clipped to the frame limits. Raises ValidationError with a
    message for the creator when the file is not a usable v2 recording."""
    width, height, events = _parse(text)
    if not any(event.kind == "o" for event in events):
        raise ValidationError("The recording has no terminal output to show.")
    fps = max(frame_rules.MIN_FPS, min(int(fps), frame_rules.MAX_FPS))
    columns, rows = min(width, frame_rules.MAX_WIDTH), min(height, frame_rules.MAX_HEIGHT)
    notes = []
    if width > columns:
        notes.append(
            f"The recording is {width} columns wide; the artwork keeps the first {columns}."
        )
    if height > rows:
        notes.append(f"The recording is {height} rows tall; the artwork keeps the first {rows}.")

    end = events[-1].time
    count = math.ceil(end * fps - 1e-9) + 1  # the last sample shows the final screen
    if count <= frame_rules.MAX_FRAMES:
        times = [k / fps for k in range(count)]
    else:
        # Too long for one artwork at this fps: frames spread evenly over the whole
        # recording (a lower sampling rate), so nothing at its end is lost.
        last = frame_rules.MAX_FRAMES - 1
        times = [end * k / last for k in range(frame_rules.MAX_FRAMES)]
        real_fps = max(frame_rules.MIN_FPS, math.floor(last / end)) if end else fps
        notes.append(
            f"The recording lasts {end:.1f} s, which is {count} frames at {fps} fps; the"
            f" artwork keeps {frame_rules.MAX_FRAMES} frames spread evenly over it, so at"
            f" {fps} fps it plays about {count / frame_rules.MAX_FRAMES:.1f} times faster"
            f" (about {real_fps} fps plays it at its real speed)."
        )
    if any(event.kind == "r" for event in events):
        notes.append("The terminal was resized during the recording; the artwork keeps the size"
                     " from the recording's header.")  # fmt: skip

    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    frames: list[str] = []
    index, frame = 0, None
    for t in times:
        changed = frame is None
        while index < len(events) and events[index].time <= t + 1e-9:
            event = events[index]
            if event.kind == "o":
                stream.feed(event.data)
            else:
                resize_columns, resize_rows = event.data
                screen.resize(resize_rows, resize_columns)
            index, changed = index + 1, True
        if changed:
            frame = _render(screen, columns, rows)
        frames.append(frame)
    return CastFrames(frames, columns, rows, bool(notes), " ".join(notes))


def _render(screen: pyte.Screen, columns: int, rows: int) -> str:
    """The top-left columns x rows of the screen, lines right-stripped. One character
    per cell (combining marks folded in where Unicode has a single character); the cell
    after a double-width character is skipped, as a terminal draws it."""
    lines = []
    for y in range(min(rows, screen.lines)):
        row = screen.buffer[y]
        chars, x, limit = [], 0, min(columns, screen.columns)
        while x < limit:
            data = unicodedata.normalize("NFC", row[x].data)[:1] or " "
            if unicodedata.category(data) in _UNPRINTABLE:
                data = " "
            chars.append(data)
            x += 2 if unicodedata.east_asian_width(data) in "WF" else 1
        lines.append("".join(chars).rstrip())
    return "\n".join(lines)


def _parse(text: str) -> tuple[int, int, list[_Event]]:
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValidationError("The .cast file is empty.")
    header = _json_line(lines[0], 1)
    if not isinstance(header, dict):
        raise ValidationError("The .cast file must start with a JSON header object.")
    if header.get("version") != 2:
        raise ValidationError(
            "Only asciinema v2 recordings can be imported; this file's header says version"
            f" {header.get('version')!r}."
        )
    width, height = header.get("width"), header.get("height")
    for name, value, most in (("width", width, MAX_CAST_COLUMNS), ("height", height,
                                                                    MAX_CAST_ROWS)):  # fmt: skip
        if value is None:
            raise ValidationError(f"The recording's header has no {name}.")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            raise ValidationError(
                f"The recording's {name} ({value!r}) is not a terminal size from 1 to {most}."
            )
    events: list[_Event] = []
    previous = 0.0
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        item = _json_line(line, number)
        if (
            not isinstance(item, list)
            or len(item) != 3
            or isinstance(item[0], bool)
            or not isinstance(item[0], int | float)
            or not isinstance(item[1], str)
            or not isinstance(item[2], str)
        ):
            raise ValidationError(
                f'Line {number} of the .cast file is not an event like [1.5, "o", "text"].'
            )
        time, kind, data = item
        if not math.isfinite(time) or time < 0:
            raise ValidationError(
                f"Line {number} of the .cast file has the time {time}, not seconds from 0 on."
            )
        if time < previous:
            raise ValidationError(
                f"Line {number} of the .cast file is earlier ({time} s) than the line before"
                f" ({previous} s): events must be in time order."
            )
        previous = time
        if kind == "o":
            events.append(_Event(float(time), kind, data))
        elif kind == "r":
            events.append(_Event(float(time), kind, _resize(data, number)))
    return width, height, events


def _resize(data: str, number: int) -> tuple[int, int]:
    columns, _, rows = data.partition("x")
    if not (columns.isdecimal() and rows.isdecimal()):
        raise ValidationError(
            f'Line {number} of the .cast file resizes to "{data}", not COLSxROWS.'
        )
    columns, rows = int(columns), int(rows)
    if not (1 <= columns <= MAX_CAST_COLUMNS and 1 <= rows <= MAX_CAST_ROWS):
        raise ValidationError(f"Line {number} of the .cast file resizes to {data}, too large.")
    return columns, rows


def _json_line(line: str, number: int):
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"Line {number} of the .cast file is not valid JSON ({error.msg})."
        ) from None
    except RecursionError:
        raise ValidationError(f"Line {number} of the .cast file is nested too deeply.") from None
