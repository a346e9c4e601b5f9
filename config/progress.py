"""A progress bar for long management commands, with no dependency.

On a terminal it redraws one line in place (`\\r`), at most ten times a second. Written
to a file or a pipe (a log, CI) it writes a few plain lines instead: at each quarter
when the total is known, else once at the end, so logs stay short.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

from django.core.management.base import OutputWrapper

T = TypeVar("T")

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


def progress(
    iterable: Iterable[T], total: int | None = None, label: str = "", stream: IO | None = None
) -> Iterator[T]:
    """Yield the items of `iterable`, showing how many have passed on `stream` (a
    command's self.stderr, or any text stream; nothing when None)."""
    if stream is None:
        yield from iterable
        return
    # A command's OutputWrapper ends every write with a newline unless told otherwise.
    if isinstance(stream, OutputWrapper):

        def write(text: str) -> None:
            stream.write(text, ending="")
    else:
        write = stream.write
    on_terminal = stream.isatty()
    done, drawn_at, quarters_written = 0, 0.0, 0
    for item in iterable:
        yield item
        done += 1
        if on_terminal:
            now = time.monotonic()
            if now - drawn_at >= REDRAW_SECONDS:
                write("\r" + _line(label, done, total))
                stream.flush()
                drawn_at = now
        elif total:
            quarter = min(4, done * 4 // total)
            if quarter > quarters_written:
                write(_line(label, done, total) + "\n")
                quarters_written = quarter
    if on_terminal:
        write("\r" + _line(label, done, total) + "\n")
        stream.flush()
    elif not total or quarters_written < 4:
        write(_line(label, done, total) + "\n")


def _line(label: str, done: int, total: int | None) -> str:
    prefix = f"{label}: " if label else ""
    if not total:
        return f"{prefix}{done:,}"
    share = min(done / total, 1)
    filled = round(share * BAR_WIDTH)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return f"{prefix}[{bar}] {done:,}/{total:,} {share:4.0%}"
