"""Importing asciinema v2 `.cast` terminal recordings (gallery/casts.py)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery import frames as frame_rules
from gallery.casts import frames_from_cast
from gallery.forms import MAX_FRAMES_FILE_BYTES, frames_from_file
from gallery.models import Artwork
from tests.test_studio import editor_data

ESC = "\x1b"


def cast(header: dict, *events: list) -> str:
    lines = [json.dumps({"version": 2, **header})] + [json.dumps(event) for event in events]
    return "\n".join(lines) + "\n"


# Cursor movement, a screen clear and colours, sampled at 2 fps: 0, 0.5, 1.0, 1.5 s.
SCRIPTED = cast(
    {"width": 10, "height": 3, "timestamp": 1700000000},
    [0.0, "o", f"{ESC}[31mred{ESC}[0m ok\r\n"],
    [0.2, "i", "typed keys are not output"],
    [0.5, "o", f"{ESC}[2;5H{ESC}[1;32mxy{ESC}[0m\x07"],  # at exactly 0.5: in its frame
    [0.9, "o", f"{ESC}[2J{ESC}[Hnew{ESC}]0;a window title\x07"],
    [1.0, "m", "a marker"],
    [1.2, "o", f"{ESC}[3;8Hend{ESC}[1;1Hz"],
)
SCRIPTED_FRAMES = [
    "red ok\n\n",
    "red ok\n    xy\n",
    "new\n\n",
    "zew\n\n       end",
]


def test_scripted_recording_becomes_what_the_terminal_showed():
    result = frames_from_cast(SCRIPTED, fps=2)
    assert result.frames == SCRIPTED_FRAMES
    assert (result.width, result.height, result.clipped, result.note) == (10, 3, False, "")
    frame_rules.validate_frames(result.frames, result.width, result.height)


def test_sampling_follows_the_fps():
    # At 4 fps: 0, .25, .5, .75, 1.0, 1.25 s (the last one after the last event at 1.2).
    frames = frames_from_cast(SCRIPTED, fps=4).frames
    red, xy, new, end = SCRIPTED_FRAMES
    assert frames == [red, red, xy, xy, new, end]


def test_nothing_before_the_first_output_is_a_blank_screen():
    text = cast({"width": 4, "height": 2}, [0.3, "o", "hi"])
    assert frames_from_cast(text, fps=10).frames == ["\n", "\n", "\n", "hi\n"]


def test_control_characters_never_reach_the_frames():
    # A tab, NUL, bell, backspace, a private mode, a private-use character (drawn by
    # the emulator, blanked here) and a zero-width space.
    text = cast(
        {"width": 12, "height": 2},
        [0, "o", f"a\tb\x00\x07\x08c{ESC}[?25l\r\nok\ue000x\u200b"],
    )
    result = frames_from_cast(text, fps=1)
    assert result.frames == ["a       c\nok x"]
    frame_rules.validate_frames(result.frames, result.width, result.height)


def test_wide_characters_take_two_cells():
    result = frames_from_cast(cast({"width": 6, "height": 1}, [0, "o", "日本x"]), fps=1)
    assert result.frames == ["日本x"]
    frame_rules.validate_frames(result.frames, result.width, result.height)


def test_recording_made_by_the_asciinema_recorder(tmp_path):
    path = tmp_path / "hello.cast"
    command = "printf 'hello\\n'; sleep 0.3; printf 'world\\n'"
    env = {**os.environ, "TERM": "xterm-256color", "SHELL": "/bin/sh",
           "ASCIINEMA_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "asciinema", "rec", "--overwrite", "--quiet",
         "--command", command, "--cols", "20", "--rows", "5", str(path)],
        env=env, stdin=subprocess.DEVNULL, check=True, timeout=60, capture_output=True,
    )  # fmt: skip
    text = path.read_text()
    header = json.loads(text.splitlines()[0])
    assert (header["version"], header["width"], header["height"]) == (2, 20, 5)
    outputs = [json.loads(line) for line in text.splitlines()[1:]]
    world_at = next(time for time, kind, data in outputs if kind == "o" and "world" in data)
    assert world_at >= 0.3

    fps = 10
    result = frames_from_cast(text, fps=fps)
    assert (result.width, result.height) == (20, 5)
    hello, both = "hello\n\n\n\n", "hello\nworld\n\n\n"
    # What a terminal showed at k/fps: "world" from the first sample at or after its event.
    first_world = math.ceil(world_at * fps - 1e-9)
    assert len(result.frames) == first_world + 1
    assert result.frames[1:first_world] == [hello] * (first_world - 1)
    assert result.frames[first_world] == both
    assert result.frames[0] in ("\n\n\n\n", hello)  # hello is printed within milliseconds


H = '{"version": 2, "width": 80, "height": 24}\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("not json\n", "Line 1 of the .cast file is not valid JSON"),
        ("[2, 80, 24]\n", "must start with a JSON header object"),
        ('{"version": 1, "width": 80, "height": 24}\n', "Only asciinema v2 recordings"),
        ('{"version": 2, "height": 24}\n[0, "o", "x"]\n', "header has no width"),
        ('{"version": 2, "width": 80}\n[0, "o", "x"]\n', "header has no height"),
        ('{"version": 2, "width": 100000, "height": 24}\n', "not a terminal size from 1 to"),
        ('{"version": 2, "width": 80, "height": 0}\n', "not a terminal size from 1 to"),
        ('{"version": 2, "width": "80", "height": 24}\n', "not a terminal size from 1 to"),
        (H, "no terminal output"),
        (H + '[0, "i", "x"]\n', "no terminal output"),
        (H + '[0, "o"]\n', "Line 2 of the .cast file is not an event"),
        (H + '[0, "o", "x"]\n{oops\n', "Line 3 of the .cast file is not valid JSON"),
        (H + '[-1, "o", "x"]\n', "has the time -1, not seconds from 0 on"),
        (H + '[Infinity, "o", "x"]\n', "has the time inf, not seconds"),
        (H + '[2, "o", "x"]\n[1, "o", "y"]\n', "events must be in time order"),
        (H + '[0, "r", "wide"]\n', "not COLSxROWS"),
    ],
)  # fmt: skip
def test_bad_recordings_are_refused_clearly(text, message):
    with pytest.raises(ValidationError) as raised:
        frames_from_cast(text, fps=10)
    assert message in " ".join(raised.value.messages)


def test_a_recording_larger_than_the_file_limit_is_refused():
    big = SCRIPTED + " " * MAX_FRAMES_FILE_BYTES
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        frames_from_file(SimpleUploadedFile("big.cast", big.encode()), fps=10)
    assert frames_from_file(SimpleUploadedFile("ok.cast", SCRIPTED.encode()), fps=2) == (
        SCRIPTED_FRAMES
    )


def test_a_wide_and_tall_recording_is_clipped_with_a_note():
    text = cast(
        {"width": 400, "height": 200},
        [0, "o", f"{ESC}[1;299Habcd{ESC}[150;1Hlast kept row{ESC}[151;1Hcut row"],
    )
    result = frames_from_cast(text, fps=10)
    assert (result.width, result.height, result.clipped) == (300, 150, True)
    assert result.note == (
        "The recording is 400 columns wide; the artwork keeps the first 300."
        " The recording is 200 rows tall; the artwork keeps the first 150."
    )
    lines = result.frames[0].split("\n")
    assert len(lines) == 150
    assert lines[0] == " " * 298 + "ab"
    assert lines[-1] == "last kept row"
    frame_rules.validate_frames(result.frames, result.width, result.height)


def test_a_long_recording_is_sampled_evenly_down_to_the_frame_limit():
    text = cast(
        {"width": 10, "height": 1},
        *[[second, "o", f"\r{second:>4}"] for second in range(0, 101)],
    )
    result = frames_from_cast(text, fps=10)  # 100 s at 10 fps would be 1001 frames
    assert len(result.frames) == frame_rules.MAX_FRAMES
    assert result.frames[0] == "   0"
    assert result.frames[-1] == " 100"  # the end is kept
    assert result.clipped
    assert "1001 frames at 10 fps" in result.note
    assert "500 frames spread evenly" in result.note
    assert "about 4 fps plays it at its real speed" in result.note


def test_a_resize_changes_the_terminal_not_the_artwork():
    text = cast({"width": 5, "height": 1}, [0, "r", "10x1"], [0.1, "o", "abcdefgh"])
    result = frames_from_cast(text, fps=10)
    assert result.frames[-1] == "abcde"  # no wrap at 5: the terminal is 10 wide now
    assert (result.width, result.height) == (5, 1)
    assert "resized during the recording" in result.note


# --- Through the editor ------------------------------------------------------------


@pytest.mark.django_db
def test_editor_saves_an_uploaded_recording_at_the_artworks_fps(client, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("session.cast", SCRIPTED.encode())
    response = client.post(
        reverse("gallery:studio_new"),
        {**editor_data(frames_text="", fps="2"), "frames_file": upload},
    )
    assert response.status_code == 302
    artwork = Artwork.objects.get()
    assert artwork.frames == SCRIPTED_FRAMES
    assert (artwork.width, artwork.height, artwork.fps) == (10, 3, 2)
    assert response.url == artwork.get_absolute_url()


@pytest.mark.django_db
def test_editor_shows_the_clip_note_after_saving(client, owner):
    client.force_login(owner)
    text = cast({"width": 320, "height": 4}, [0, "o", "wide terminal"])
    upload = SimpleUploadedFile("wide.cast", text.encode())
    response = client.post(
        reverse("gallery:studio_new"), {**editor_data(), "frames_file": upload}, follow=True
    )
    artwork = Artwork.objects.get()
    assert (artwork.width, artwork.height) == (300, 4)
    assert response.redirect_chain[-1][0] == reverse(
        "gallery:studio_edit", args=[artwork.public_id]
    )
    assert "The recording is 320 columns wide; the artwork keeps the first 300." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_editor_refuses_a_bad_recording_on_the_file_field(client, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("bad.cast", b'{"version": 1}\n')
    response = client.post(reverse("gallery:studio_new"), {**editor_data(), "frames_file": upload})
    assert response.status_code == 400
    assert "Only asciinema v2" in " ".join(response.context["form"].errors["frames_file"])
    assert not Artwork.objects.exists()


@pytest.mark.django_db
def test_editor_file_field_offers_cast_files(client, owner):
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_new")).content.decode()
    assert 'accept=".txt,.json,.cast,' in page
    assert ".cast terminal recording" in page
