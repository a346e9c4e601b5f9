"""config/progress.py: a redrawn line on a terminal, a few plain lines elsewhere."""

from __future__ import annotations

import io

from django.core.management.base import OutputWrapper

from config.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_every_item_passes_through_unchanged():
    assert list(progress(iter("abc"), 3, "letters", io.StringIO())) == ["a", "b", "c"]
    assert list(progress(range(4))) == [0, 1, 2, 3]  # no stream: nothing shown


def test_a_file_gets_a_line_per_quarter_not_per_item():
    stream = io.StringIO()
    list(progress(range(1000), 1000, "rows", stream))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("rows: [") and lines[-1].endswith("] 1,000/1,000 100%")
    assert "\r" not in stream.getvalue()


def test_an_unknown_total_is_counted_once_at_the_end():
    stream = io.StringIO()
    list(progress(iter(range(2500)), None, "objects", stream))
    assert stream.getvalue() == "objects: 2,500\n"


def test_an_iterable_shorter_than_its_total_still_ends_with_a_line():
    stream = io.StringIO()
    list(progress(range(3), 10, "rows", stream))
    assert stream.getvalue().splitlines()[-1].endswith("3/10  30%")


def test_a_terminal_gets_one_line_redrawn_in_place():
    stream = Terminal()
    list(progress(range(50), 50, "rows", stream))
    text = stream.getvalue()
    assert text.startswith("\rrows: [") and text.endswith("50/50 100%\n")
    assert text.count("\n") == 1


def test_a_commands_output_wrapper_gets_no_newline_after_each_redraw():
    terminal = Terminal()
    list(progress(range(5), 5, "rows", OutputWrapper(terminal)))
    assert terminal.getvalue().count("\n") == 1
    plain = io.StringIO()
    list(progress(range(5), 5, "rows", OutputWrapper(plain)))
    assert plain.getvalue().count("\n") == 4
