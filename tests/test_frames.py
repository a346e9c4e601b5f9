"""gallery/frames.py: every kind of bad frames is rejected with a clear message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gallery import frames


def error_of(call) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_valid_frames_pass():
    frames.validate_frames(["ab\ncd", "a\n", ""], width=2, height=2)


def test_frames_that_are_not_a_list_of_strings_are_rejected():
    for bad in ["just a string", None, [1, 2], [["nested"]], {"0": "x"}]:
        error = error_of(lambda bad=bad: frames.validate_frames(bad, 10, 10))
        assert error.code == "frames_type"
        assert "list of text frames" in messages(error)


def test_no_frames_is_rejected():
    error = error_of(lambda: frames.validate_frames([], 10, 10))
    assert error.code == "frames_empty"
    assert "at least one frame" in messages(error)


def test_more_than_500_frames_is_rejected_with_the_count():
    error = error_of(lambda: frames.validate_frames(["x"] * 501, 10, 10))
    assert error.code == "frames_too_many"
    assert "at most 500 frames; this one has 501" in messages(error)


def test_exactly_500_frames_is_accepted():
    frames.validate_frames(["x"] * 500, 1, 1)


@pytest.mark.parametrize(
    ("width", "height", "label"),
    [
        (0, 10, "Width"),
        (301, 10, "Width"),
        (10, 0, "Height"),
        (10, 151, "Height"),
        ("5", 5, "Width"),
    ],
)
def test_size_out_of_range_is_rejected(width, height, label):
    error = error_of(lambda: frames.validate_frames(["x"], width, height))
    assert error.code == f"{label.lower()}_out_of_range"
    assert messages(error).startswith(label)


def test_a_frame_taller_than_the_height_names_the_frame():
    error = error_of(lambda: frames.validate_frames(["a", "a\nb\nc"], width=5, height=2))
    assert error.code == "frame_too_tall"
    assert messages(error) == "Frame 2 has 3 lines; the height is 2."


def test_a_line_wider_than_the_width_names_frame_and_line():
    error = error_of(lambda: frames.validate_frames(["ok", "ok\nwider"], width=4, height=3))
    assert error.code == "frame_too_wide"
    assert messages(error) == "Line 2 of frame 2 is 5 characters wide; the width is 4."


def test_tabs_and_control_characters_are_rejected():
    error = error_of(lambda: frames.validate_frames(["a\tb"], 10, 10))
    assert error.code == "frame_bad_character"
    assert "a tab" in messages(error)
    error = error_of(lambda: frames.validate_frames(["ok", "bell\x07"], 10, 10))
    assert "Frame 2 contains the control character U+0007" in messages(error)


def test_windows_line_endings_count_as_one_newline():
    frames.validate_frames(["ab\r\ncd"], width=2, height=2)
    assert frames.normalize_newlines(["ab\r\ncd\rx"]) == ["ab\ncd\nx"]


def test_measure_and_fit():
    assert frames.measure(["abc\nd", "ab\nc\nd"]) == (3, 3)
    assert frames.fit("abcdef\nx", width=3, height=3) == "abc\nx  \n   "
