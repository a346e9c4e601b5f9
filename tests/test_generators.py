"""The procedural ASCII-art generators: shapes, determinism, motion and prompt matching.

Pure functions, no database: run with `pytest tests/test_generators.py -p no:django`.
"""

from __future__ import annotations

import itertools

import pytest

from gallery.generators import SCENES, font, generate, scene_for_prompt

ALL_SCENES = sorted(SCENES)
SIZES = [(1, 1), (3, 2), (2, 7), (9, 1), (12, 5), (40, 12), (80, 24), (123, 41)]
PRINTABLE = {chr(code) for code in range(32, 127)}


def _lines(frame: str) -> list[str]:
    return frame.split("\n")


def test_there_are_at_least_twelve_scenes_including_the_core_ones():
    assert len(SCENES) >= 12
    core = {"rain", "snow", "starfield", "waves", "fire", "matrix", "plasma", "banner"}
    assert core <= set(SCENES)


@pytest.mark.parametrize("scene", ALL_SCENES)
@pytest.mark.parametrize("frame_count", [1, 2, 17])
def test_returns_exactly_frame_count_frames(scene, frame_count):
    frames = generate(scene, width=20, height=8, frame_count=frame_count, seed=1)
    assert isinstance(frames, list)
    assert len(frames) == frame_count
    assert all(isinstance(frame, str) for frame in frames)


@pytest.mark.parametrize("scene", ALL_SCENES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_frame_is_exactly_width_by_height(scene, width, height):
    frames = generate(scene, width=width, height=height, frame_count=6, seed="size")
    for frame in frames:
        lines = _lines(frame)
        assert len(lines) == height
        assert [len(line) for line in lines] == [width] * height


@pytest.mark.parametrize("scene", ALL_SCENES)
def test_largest_canvas_has_exact_shape(scene):
    frames = generate(scene, width=300, height=150, frame_count=2, seed=3)
    assert len(frames) == 2
    for frame in frames:
        lines = _lines(frame)
        assert len(lines) == 150
        assert all(len(line) == 300 for line in lines)


@pytest.mark.parametrize("scene", ALL_SCENES)
def test_frames_use_only_printable_ascii(scene):
    text = "Tab\there, ünïcödé and a\nnewline"
    for width, height in [(80, 24), (7, 3)]:
        frames = generate(scene, width=width, height=height, frame_count=30, seed=5, text=text)
        used = set("".join(frames)) - {"\n"}
        assert used <= PRINTABLE, sorted(used - PRINTABLE)


@pytest.mark.parametrize("scene", ALL_SCENES)
def test_same_arguments_give_the_same_frames(scene):
    args = {"width": 50, "height": 16, "frame_count": 20, "seed": "same", "text": "Hi"}
    assert generate(scene, **args) == generate(scene, **args)


@pytest.mark.parametrize("scene", ALL_SCENES)
def test_different_seeds_give_different_frames(scene):
    first = generate(scene, width=60, height=20, frame_count=12, seed=1)
    second = generate(scene, width=60, height=20, frame_count=12, seed=2)
    assert first != second


def test_string_and_integer_seeds_are_both_accepted():
    by_int = generate("rain", width=30, height=10, frame_count=3, seed=7)
    by_str = generate("rain", width=30, height=10, frame_count=3, seed="7")
    assert by_int == by_str
    assert by_int != generate("rain", width=30, height=10, frame_count=3, seed="seven")


@pytest.mark.parametrize("scene", ALL_SCENES)
@pytest.mark.parametrize(("width", "height"), [(80, 24), (40, 12)])
def test_frames_change_over_time(scene, width, height):
    frames = generate(scene, width=width, height=height, frame_count=24, seed="motion")
    assert len(set(frames)) > 1
    # Most consecutive frames differ: the scene really animates, not just once.
    changes = sum(a != b for a, b in itertools.pairwise(frames))
    assert changes >= len(frames) // 2


@pytest.mark.parametrize("scene", ALL_SCENES)
def test_frames_are_not_blank(scene):
    frames = generate(scene, width=80, height=24, frame_count=10, seed="ink")
    assert all(frame.strip() for frame in frames)


def test_unknown_scene_raises_value_error():
    with pytest.raises(ValueError, match="unknown scene"):
        generate("volcano", width=10, height=10, frame_count=1)


@pytest.mark.parametrize(
    "sizes",
    [
        {"width": 0, "height": 10, "frame_count": 1},
        {"width": 301, "height": 10, "frame_count": 1},
        {"width": 10, "height": 0, "frame_count": 1},
        {"width": 10, "height": 151, "frame_count": 1},
        {"width": 10, "height": 10, "frame_count": 0},
        {"width": 10, "height": 10, "frame_count": 501},
        {"width": -5, "height": 10, "frame_count": 1},
        {"width": 10.5, "height": 10, "frame_count": 1},
        {"width": "10", "height": 10, "frame_count": 1},
        {"width": True, "height": 10, "frame_count": 1},
    ],
)
def test_out_of_range_or_non_integer_sizes_raise_value_error(sizes):
    with pytest.raises(ValueError):
        generate("plasma", **sizes)


def test_boundary_sizes_are_accepted():
    assert len(generate("life", width=1, height=1, frame_count=500)) == 500
    assert len(generate("life", width=300, height=150, frame_count=1)) == 1


@pytest.mark.parametrize(
    ("prompt", "scene"),
    [
        ("Rain on a quiet street", "rain"),
        ("a STORM at sea", "rain"),
        ("First snow", "snow"),
        ("winter morning", "snow"),
        ("Stars at night", "starfield"),
        ("deep space", "starfield"),
        ("the galaxy", "starfield"),
        ("Calm sea", "waves"),
        ("ocean breeze", "waves"),
        ("big waves", "waves"),
        ("fire!", "fire"),
        ("a flame", "fire"),
        ("Campfire under the stars", "fire"),
        ("the matrix", "matrix"),
        ("Green code falling", "matrix"),
        ("hacker terminal", "matrix"),
        ("plasma", "plasma"),
        ("psychedelic colours", "plasma"),
        ("Fireworks over the city", "fireworks"),
        ("Aquarium with fish", "aquarium"),
        ("Conway's game of life", "life"),
        ("Rotating cube", "cube"),
        ("Bouncing balls", "bounce"),
        ("Tunnel of light", "tunnel"),
        ("Spiral galaxy", "spiral"),
        ("Loading spinner", "spinner"),
        ("Hello world banner", "banner"),
    ],
)
def test_scene_for_prompt_maps_keywords(prompt, scene):
    assert scene_for_prompt(prompt) == scene


def test_scene_for_prompt_keyword_examples_pick_distinct_scenes():
    prompts = ["rain", "snow", "stars", "ocean", "campfire", "matrix", "plasma"]
    assert len({scene_for_prompt(prompt) for prompt in prompts}) == len(prompts)


def test_scene_for_prompt_without_keywords_is_deterministic_and_valid():
    prompt = "a quiet moment with my grandmother"
    assert scene_for_prompt(prompt) in SCENES
    assert scene_for_prompt(prompt) == scene_for_prompt(prompt)
    # Case and punctuation do not change the choice.
    assert scene_for_prompt("A quiet moment, with my GRANDMOTHER!") == scene_for_prompt(prompt)
    assert scene_for_prompt("") in SCENES


def test_scene_for_prompt_without_keywords_spreads_over_scenes():
    prompts = [f"untitled piece number {n}" for n in range(60)]
    assert len({scene_for_prompt(prompt) for prompt in prompts}) >= 6


def _contains_glyph_rows(frame: str, rows: list[str]) -> bool:
    """True if the block-font rows appear stacked in the frame (shadow dots ignored)."""
    lines = [line.replace(".", " ") for line in _lines(frame)]
    for top in range(len(lines) - len(rows) + 1):
        column = lines[top].find(rows[0])
        while column != -1:
            if all(lines[top + i][column : column + len(row)] == row for i, row in enumerate(rows)):
                return True
            column = lines[top].find(rows[0], column + 1)
    return False


def test_banner_first_frame_shows_the_text_in_block_letters():
    frames = generate("banner", width=100, height=12, frame_count=40, text="Hello")
    assert _contains_glyph_rows(frames[0], font.render("HELLO"))


def test_banner_defaults_to_ascii():
    frames = generate("banner", width=60, height=9, frame_count=5, seed=0)
    assert _contains_glyph_rows(frames[0], font.render("ASCII"))


def test_banner_uses_double_size_letters_on_tall_canvases():
    frames = generate("banner", width=80, height=24, frame_count=5, text="HI")
    doubled = ["".join(char * 2 for char in row) for row in font.render("HI") for _ in (0, 1)]
    assert _contains_glyph_rows(frames[0], doubled)


def test_banner_scrolls():
    frames = generate("banner", width=100, height=12, frame_count=40, text="Hello")
    assert len(set(frames)) == len(frames)


def test_banner_falls_back_to_plain_text_on_small_canvases():
    frames = generate("banner", width=30, height=3, frame_count=4, text="Hi there")
    assert "Hi there" in frames[0]


def test_font_covers_letters_digits_and_punctuation():
    for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?:-'":
        glyph = font.GLYPHS[char]
        assert len(glyph) == font.HEIGHT
        assert len({len(row) for row in glyph}) == 1
    rendered = font.render("a~b")  # "~" has no glyph: it falls back to "?"
    assert rendered == font.render("A?B")
