"""Pictures and GIFs become ASCII frames (gallery/conversion.py), as a creator sees them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gallery import conversion
from gallery import frames as frame_rules
from gallery.conversion import (
    CHARSETS,
    INLINE_WORK_LIMIT,
    ConversionError,
    ConversionOptions,
    canvas_size,
    convert,
    estimated_work,
    fps_for,
)
from tests import images


def run(data: bytes, **options):
    return convert(io.BytesIO(data), ConversionOptions(**options))


def characters(result) -> set[str]:
    return set("".join(result.frames)) - {"\n"}


@pytest.mark.parametrize("width", [1, 20, 80, 300])
def test_a_picture_becomes_one_frame_of_the_chosen_width(width):
    result = run(images.still((400, 300)), width=width)
    assert len(result.frames) == 1
    assert result.width == width
    # Height follows the aspect ratio, halved for cells about twice as tall as wide.
    assert result.height == max(1, round(width * 300 / 400 * 0.6 / 1.15))
    frame_rules.validate_frames(result.frames, result.width, result.height)
    assert max(len(line) for line in result.frames[0].split("\n")) <= width


def test_a_tall_picture_is_narrowed_to_fit_the_height_limit():
    result = run(images.still((100, 2000)), width=300)
    assert result.height == frame_rules.MAX_HEIGHT
    assert result.width < 300
    assert canvas_size(100, 2000, 300) == (result.width, result.height)


def test_the_picture_shows_in_the_characters():
    # A light disc in the middle of a dark ground: dense characters in the middle row's
    # centre, spaces at its right edge.
    result = run(images.still((400, 300), colour=(255, 255, 255)), width=40)
    middle = result.frames[0].split("\n")[result.height // 2].ljust(40)
    assert middle[20] == "@"
    assert middle[-1] == " "


def test_invert_swaps_light_and_dark():
    white = images.plain(grey=255)
    assert characters(run(white, width=10)) == {"@"}
    assert characters(run(white, width=10, invert=True)) == {" "}  # dark: a blank frame


@pytest.mark.parametrize("charset", list(CHARSETS))
def test_each_character_set_draws_with_its_own_characters(charset):
    result = run(images.gradient(), width=60, charset=charset)
    ramp = CHARSETS[charset][1]
    used = characters(result) - {" "}
    assert used <= set(ramp)
    # A full gradient uses most of the ramp, darkest to brightest.
    assert len(used) >= min(len(ramp) - 1, 40)


def test_blocks_differ_from_the_standard_ramp():
    picture = images.gradient()
    assert run(picture, width=40, charset="blocks").frames != run(picture, width=40).frames
    assert "█" in "".join(run(picture, width=40, charset="blocks").frames)


def test_brightness_and_contrast_move_the_shades():
    grey = images.plain(grey=128)
    ramp = CHARSETS["standard"][1]

    def level(**options) -> int:
        (char,) = characters(run(grey, width=8, **options)) or {" "}
        return ramp.index(char)

    assert level(brightness=-50) < level() < level(brightness=50)
    # Contrast pushes a grey a little above the middle further up.
    light_grey = images.plain(grey=160)
    base = characters(run(light_grey, width=8))
    stronger = characters(run(light_grey, width=8, contrast=80))
    assert ramp.index(stronger.pop()) > ramp.index(base.pop())
    assert characters(run(grey, width=8, contrast=-100)) == characters(run(grey, width=8))


def test_dithering_turns_a_flat_grey_into_a_pattern():
    between = images.plain(size=(80, 80), grey=150)  # between two ramp levels
    assert len(characters(run(between, width=40))) == 1
    assert len(characters(run(between, width=40, dither=True))) >= 2


def test_the_edge_mode_draws_outlines_by_their_direction():
    # A bright right half: one vertical edge down the middle, nothing elsewhere.
    picture = Image.new("L", (200, 100), 0)
    picture.paste(255, (100, 0, 200, 100))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    result = run(buffer.getvalue(), width=40, edges=True)
    lines = [line.ljust(40) for line in result.frames[0].split("\n")]
    assert all(set(line[18:22]) <= {"|", " "} and "|" in line[18:22] for line in lines)
    assert all(line[:15].strip() == "" and line[25:].strip() == "" for line in lines)


def test_an_animated_gif_gives_one_frame_per_source_frame_at_its_speed():
    result = run(images.animation(frames=5, delay_ms=100), width=20)
    assert len(result.frames) == 5
    assert result.fps == 10
    # The ball moves: every frame differs from the one before.
    assert all(a != b for a, b in zip(result.frames, result.frames[1:], strict=False))


def test_an_animated_webp_converts_like_a_gif():
    result = run(images.animation(frames=4, delay_ms=50, kind="WEBP"), width=20)
    assert (len(result.frames), result.fps) == (4, 20)


def test_long_animations_are_sampled_down_to_the_frame_limit(monkeypatch):
    monkeypatch.setattr(frame_rules, "MAX_FRAMES", 6)
    result = run(images.animation(frames=12, delay_ms=100), width=20)
    assert len(result.frames) == 6
    # Twelve frames of 100 ms last 1.2 s; six frames in that time are 5 fps.
    assert result.fps == 5


@pytest.mark.parametrize(
    ("delays", "kept", "fps"),
    [
        ([100] * 5, 5, 10),
        ([40, 40, 40], 3, 25),
        ([0, 0], 2, 10),  # no delay: played at 100 ms, as browsers do
        ([10, 10], 2, 10),  # under 20 ms: likewise
        ([5000, 5000], 2, 1),  # slower than the slowest fps: clamped
        ([20] * 10, 10, 50),
        ([20] * 10, 40, 60),  # sampled faster than the fastest: clamped
    ],
)
def test_fps_comes_from_the_mean_delay_within_the_limits(delays, kept, fps):
    assert fps_for(delays, kept) == fps


def test_a_damaged_image_is_a_clear_error():
    data = images.animation(frames=5)
    with pytest.raises(ConversionError, match="could not be read to the end"):
        run(data[: len(data) // 2], width=20)


@pytest.mark.parametrize(
    "options",
    [
        {"width": 0},
        {"width": 301},
        {"charset": "emoji"},
        {"brightness": 101},
        {"contrast": -101},
    ],
)
def test_options_out_of_range_are_refused(options):
    with pytest.raises(ConversionError):
        ConversionOptions(**options)


def test_the_work_estimate_counts_characters_written_as_well_as_pixels_decoded():
    # 500 small frames decode quickly, but 500 frames of 300 columns drawn in the edge
    # mode are millions of characters written one by one: that is a job, not a request.
    small_animation = (100, 100, 500)
    assert estimated_work(*small_animation, ConversionOptions(width=80)) < INLINE_WORK_LIMIT
    edges = ConversionOptions(width=300, edges=True)
    assert estimated_work(*small_animation, edges) > INLINE_WORK_LIMIT
    # Thousands of one-pixel frames still cost a decode each.
    assert estimated_work(1, 1, 5000, ConversionOptions(width=1)) >= 5000 * 1600
    # A photo from a phone converts within a request.
    assert estimated_work(4000, 3000, 1, ConversionOptions(width=120)) < INLINE_WORK_LIMIT


def test_transparent_parts_are_the_dark_ground():
    # An opaque white square in the middle of a transparent picture (whose hidden
    # colour is white too): only the square is drawn.
    picture = Image.new("RGBA", (200, 100), (255, 255, 255, 0))
    picture.paste((255, 255, 255, 255), (50, 25, 150, 75))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    lines = [line.ljust(40) for line in run(buffer.getvalue(), width=40).frames[0].split("\n")]
    middle = lines[len(lines) // 2]
    assert middle[20] == "@" and middle[2] == " " and middle[-2] == " "


def test_a_photo_stored_sideways_is_converted_upright():
    # A phone's portrait photo: stored 200 wide and 50 tall with "turn 90° clockwise"
    # (EXIF orientation 6), a bright band along the stored top edge.
    stored = Image.new("L", (200, 50), 0)
    stored.paste(255, (0, 0, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif)
    result = run(buffer.getvalue(), width=20)
    # Upright it is 50 wide and 200 tall: 20 columns, about 21 rows.
    assert (result.width, result.height) == canvas_size(50, 200, 20)
    lines = [line.ljust(20) for line in result.frames[0].split("\n")]
    # The stored top edge is now on the right.
    assert all(line[-1] != " " and line[0] == " " for line in lines)


def test_a_16_bit_grey_picture_keeps_its_shades():
    gradient = Image.linear_gradient("L").resize((64, 64)).convert("I")
    deep = gradient.point(lambda value: value * 257).convert("I;16")
    buffer = io.BytesIO()
    deep.save(buffer, "PNG")
    result = run(buffer.getvalue(), width=20)
    assert len(characters(result) - {" "}) >= 5  # not one solid shade


def test_a_dark_frame_is_kept_and_survives_the_editor():
    # The last frame of this animation is black: it must not vanish on saving.
    black = Image.new("L", (40, 20), 0)
    white = Image.new("L", (40, 20), 255)
    buffer = io.BytesIO()
    white.save(buffer, "GIF", save_all=True, append_images=[black], duration=100)
    result = run(buffer.getvalue(), width=10)
    assert result.frames[-1] == " "
    text = frame_rules.join_frames(result.frames)
    assert frame_rules.split_frames(text) == result.frames
    frame_rules.validate_frames(result.frames, result.width, result.height)


def test_a_huge_conversion_keeps_fewer_frames_within_the_character_budget(monkeypatch):
    monkeypatch.setattr(conversion, "MAX_CONVERTED_CELLS", 20 * 5 * 4)  # 4 frames of 20x5
    result = run(images.animation(frames=12, size=(80, 40)), width=20)
    assert (result.width, result.height) == (20, 5)
    assert len(result.frames) == 4
    assert result.fps == round(4 / 1.2)  # twelve frames of 100 ms: still 1.2 s


def test_a_slideshow_keeps_each_picture_on_screen_as_long():
    # Three pictures of 2 s each: slower than the slowest fps, so each is shown twice
    # at 1 fps, and the slideshow still lasts 6 s.
    result = run(images.animation(frames=3, delay_ms=2000), width=20)
    assert result.fps == 1
    assert len(result.frames) == 6
    assert result.frames[0] == result.frames[1] != result.frames[2] == result.frames[3]


def test_uneven_delays_are_kept_by_repeating_frames():
    # A 100 ms frame, then a 300 ms pause on the next: at 10 fps, 1 + 3 frames.
    first, second = (Image.new("L", (40, 20), grey) for grey in (0, 255))
    buffer = io.BytesIO()
    first.save(buffer, "GIF", save_all=True, append_images=[second], duration=[100, 300])
    result = run(buffer.getvalue(), width=10)
    assert result.fps == 10
    assert [frame.strip() == "" for frame in result.frames] == [True, False, False, False]
