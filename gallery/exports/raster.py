"""The animated GIF and the PNG poster, and the character grid they share with the SVG.

The GIF and PNG are drawn with JetBrains Mono (OFL, from the fontpkg-jetbrains-mono
package) on a character grid: each glyph is rendered once per font size, each
distinct line is assembled once per render from those glyphs (see _Painter), and
every frame is an "L" image whose grey levels become palette indices of a ramp from
the background to the text colour, so nothing needs quantising.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import IO

from PIL import Image, ImageChops, ImageDraw, ImageFont

from gallery.exports.themes import DEFAULT_THEME, THEMES
from gallery.frames import split_lines

FONT_PACKAGE = "fontpkg_jetbrains_mono"
FONT_FILE = "files/JetBrainsMono[wght].ttf"
# At 15px a JetBrains Mono cell is exactly 9px wide (0.6 em); with 18px lines that is
# the usual 1:2 terminal cell. Smaller sizes keep whole-pixel cells for big GIFs.
FONT_SIZE = 15
GIF_FONT_SIZES = (15, 10, 5)
LINE_SPACING = 1.2

# Antialiasing levels between background and text colour: 16 look smooth and keep the
# GIF's LZW codes short (256 levels make it about twice as big).
LEVELS = 16

# Pillow holds every frame of a GIF in memory while it encodes, and drawing time grows
# with the number of characters: these bounds keep the largest GIF within a few
# seconds and about 300 MB. Past the pixel bound the font gets smaller (down to 5px);
# past the character bound the GIF is refused (the other formats still work).
GIF_MAX_PIXELS = 150_000_000  # summed over all frames, one byte each
GIF_MAX_CELLS = 3_000_000  # frames x width x height
# Above this many characters (frames x width x height) a GIF is drawn by a job, not in
# the request (gallery/exports/jobs.py). Measured on the 2-core machine with
# scripts/bench_exports.py --scaling (docs/benchmarks.md): a GIF takes about 1.3 µs a
# character for animated scenes and 1.7 µs for the worst case (no line ever repeats):
# 192,000 characters 0.30-0.35 s, 480,000 0.63-0.84 s, 768,000 0.96-1.28 s; past
# GIF_MAX_PIXELS the smaller font keeps the largest near 1.0 s on an idle machine and
# 2-3 s on a busy one. So a request never draws a GIF for more than ~0.8 s. The PNG
# (one frame: at most 0.22 s at 300x150) and the SVG (0.17 s for 500 frames of
# 300x150) always stay in the request.
GIF_SYNC_MAX_CELLS = 500_000
# The stand-in poster shown while a big GIF is being drawn: the first frame this small.
PLACEHOLDER_FONT_SIZE = 5

# GIF delays are in hundredths of a second, and browsers play delays under 2 as 10.
GIF_MIN_DELAY_CS = 2


class ExportTooLarge(Exception):
    """The artwork is too big to export in this format within the server's bounds."""


# --- The character grid -------------------------------------------------------------


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Read as bytes, so it also works when the package is zipped. BASIC layout: no
    # shaping, so code ligatures ("->", "==") never merge characters of the art.
    data = resources.files(FONT_PACKAGE).joinpath(FONT_FILE).read_bytes()
    return ImageFont.truetype(io.BytesIO(data), size, layout_engine=ImageFont.Layout.BASIC)


@dataclass(frozen=True)
class Grid:
    """Pixel geometry of a character grid at one font size."""

    font_size: int
    cell_width: int
    line_height: int
    padding: int
    # From the top of a line to its baseline, for the SVG.
    baseline: float
    # Each character is drawn in a tile two cells wide, its cell `tile_margin` pixels
    # from the left, so ink overhanging the cell (box-drawing joins) is kept; the tile
    # is `band_height` rows tall, from `band_top` relative to the line's top.
    tile_margin: int
    band_top: int
    band_height: int

    def canvas(self, width: int, height: int) -> tuple[int, int]:
        return (
            width * self.cell_width + 2 * self.padding,
            height * self.line_height + 2 * self.padding,
        )


@functools.cache
def grid(font_size: int = FONT_SIZE) -> Grid:
    font = _font(font_size)
    ascent, descent = font.getmetrics()
    line_height = round(font_size * LINE_SPACING)
    cell_width = round(font.getlength("M"))
    # The font's box (ascent + descent) is centred on the line; one spare row each side.
    glyph_top = (line_height - ascent - descent) // 2
    return Grid(
        font_size=font_size,
        cell_width=cell_width,
        line_height=line_height,
        padding=2 * cell_width,
        baseline=(line_height - ascent - descent) / 2 + ascent,
        tile_margin=cell_width // 2,
        band_top=glyph_top - 1,
        band_height=ascent + descent + 2,
    )


@functools.lru_cache(maxsize=4096)
def _glyph_tile(font_size: int, char: str) -> bytes:
    """One character's coverage in its tile (see Grid), transposed: column after
    column, so that the tiles of a line simply follow one another (see _Painter)."""
    cell = grid(font_size)
    tile = Image.new("L", (2 * cell.cell_width, cell.band_height), 0)
    # The ascender line one row down: the spare row above the font's box.
    ImageDraw.Draw(tile).text((cell.tile_margin, 1), char, fill=255, font=_font(font_size))
    return tile.transpose(Image.Transpose.TRANSPOSE).tobytes()


@dataclass(frozen=True)
class _Stamp:
    """Coverage (an "L" mask) to paste at an offset from a line's top left corner."""

    mask: Image.Image
    dx: int
    dy: int


class _Painter:
    """Draws frames on one canvas size.

    Pasting glyph by glyph costs a Python call per character; instead a line is built
    from raw bytes. Tiles are stored transposed (columns as rows), so the transposed
    line is the concatenation of its tiles. Tiles are two cells wide, so the even
    columns' tiles abut, and so do the odd ones': one join each, then "screen" (how
    ink adds up) and a transpose give the line. Lines are remembered, since animations
    repeat most of them from frame to frame.
    """

    def __init__(self, width: int, height: int, cell: Grid) -> None:
        self.width, self.height, self.cell = width, height, cell
        self.size = cell.canvas(width, height)
        self._tiles: dict[str, bytes] = {}
        line_bytes = self.size[0] * cell.band_height
        # Bounded by memory, not by count: wide canvases keep fewer lines.
        self._line = functools.lru_cache(maxsize=max(64, 32_000_000 // line_bytes))(
            self._compose_line
        )

    def coverage(self, frame: str) -> Image.Image:
        """The frame as an "L" image: 0 background, 255 full ink."""
        image = Image.new("L", self.size, 0)
        pad, line_height = self.cell.padding, self.cell.line_height
        for row, line in enumerate(split_lines(frame)[: self.height]):
            stamp = self._line(line[: self.width].rstrip())
            if stamp is not None:
                # Through the mask, so the edges of neighbouring lines add up.
                y = pad + row * line_height + stamp.dy
                image.paste(255, (pad + stamp.dx, y), mask=stamp.mask)
        return image

    def _compose_line(self, line: str) -> _Stamp | None:
        if not line:
            return None
        cell, tiles = self.cell, self._tiles
        for char in set(line).difference(tiles):
            tiles[char] = _glyph_tile(cell.font_size, char)
        # Transposed: band_height pixels per column, one column after another.
        column = cell.band_height
        size = (column, (len(line) + 1) * cell.cell_width)
        length = size[0] * size[1]
        evens = b"".join(map(tiles.__getitem__, line[0::2])).ljust(length, b"\0")
        strip = Image.frombytes("L", size, evens)
        if len(line) > 1:
            shift = bytes(cell.cell_width * column)  # odd columns start a cell later
            odds = (shift + b"".join(map(tiles.__getitem__, line[1::2]))).ljust(length, b"\0")
            strip = ImageChops.screen(strip, Image.frombytes("L", size, odds))
        strip = strip.transpose(Image.Transpose.TRANSPOSE)
        return _Stamp(mask=strip, dx=-cell.tile_margin, dy=cell.band_top)


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@functools.cache
def _palette(theme: str) -> tuple[list[int], list[int]]:
    """(palette, lookup): LEVELS colours from background to text, and the table that
    turns 0..255 coverage into those palette indices."""
    background, text = _hex_rgb(THEMES[theme].background), _hex_rgb(THEMES[theme].text)
    palette = []
    for level in range(LEVELS):
        share = level / (LEVELS - 1)
        palette += [round(b + (t - b) * share) for b, t in zip(background, text, strict=True)]
    lookup = [round(value * (LEVELS - 1) / 255) for value in range(256)]
    return palette, lookup


def _in_colour(coverage: Image.Image, theme: str) -> Image.Image:
    palette, lookup = _palette(theme)
    image = coverage.point(lookup)
    image.putpalette(palette)  # "L" becomes "P": the levels are the palette indices
    return image


# --- GIF and PNG --------------------------------------------------------------------


def gif_durations(frame_count: int, fps: int) -> list[int]:
    """Per-frame delays in ms. GIF counts hundredths of a second, so 1/fps is rounded
    frame by frame against the running total: 8 fps gives 120, 130, 130, 120 ms..., and
    the loop lasts exactly frame_count / fps. Above 50 fps every frame gets the 20 ms
    browsers honour, and the animation plays a little slower than the original."""
    ends = [round((index + 1) * 100 / fps) for index in range(frame_count)]
    starts = [0, *ends[:-1]]
    return [
        max(GIF_MIN_DELAY_CS, end - start) * 10 for start, end in zip(starts, ends, strict=True)
    ]


def gif_font_size(frame_count: int, width: int, height: int) -> int:
    """The largest font size at which the whole GIF stays within GIF_MAX_PIXELS."""
    if frame_count * width * height > GIF_MAX_CELLS:
        raise ExportTooLarge(
            f"{frame_count} frames of {width}x{height} characters are too many for a GIF;"
            " download the SVG, text or JSON export instead."
        )
    for size in GIF_FONT_SIZES:
        canvas_width, canvas_height = grid(size).canvas(width, height)
        if frame_count * canvas_width * canvas_height <= GIF_MAX_PIXELS:
            return size
    raise ExportTooLarge(
        f"{frame_count} frames of {width}x{height} characters make too big a GIF;"
        " download the SVG, text or JSON export instead."
    )


def write_gif(
    fp: IO[bytes],
    frames: Sequence[str],
    width: int,
    height: int,
    fps: int,
    theme: str = DEFAULT_THEME,
) -> None:
    """An endlessly looping GIF of the frames. Identical consecutive frames are merged
    into one with their delays added up (Pillow does it), so playback time is kept."""
    painter = _Painter(width, height, grid(gif_font_size(len(frames), width, height)))
    images: Iterator[Image.Image] = (_in_colour(painter.coverage(frame), theme) for frame in frames)
    first = next(images)
    first.save(
        fp,
        "GIF",
        save_all=True,
        append_images=images,  # a generator: Pillow keeps its own copies, we keep none
        duration=gif_durations(len(frames), fps),
        loop=0,
        optimize=False,  # the palette is already minimal; optimising costs a pass per frame
        disposal=1,  # keep each frame under the next, which Pillow crops to what changed
    )


def render_gif(
    frames: Sequence[str], width: int, height: int, fps: int, theme: str = DEFAULT_THEME
) -> bytes:
    buffer = io.BytesIO()
    write_gif(buffer, frames, width, height, fps, theme)
    return buffer.getvalue()


def render_png(frames: Sequence[str], width: int, height: int, theme: str = DEFAULT_THEME) -> bytes:
    """The first frame as a poster (og:image), always at the full 15px size."""
    painter = _Painter(width, height, grid(FONT_SIZE))
    buffer = io.BytesIO()
    _in_colour(painter.coverage(frames[0] if frames else ""), theme).save(buffer, "PNG")
    return buffer.getvalue()


def render_placeholder_png(
    frames: Sequence[str], width: int, height: int, theme: str = DEFAULT_THEME
) -> bytes:
    """The first frame drawn small: what an <img> shows while the real export is being
    drawn by a job (a few milliseconds even at 300x150)."""
    painter = _Painter(width, height, grid(PLACEHOLDER_FONT_SIZE))
    buffer = io.BytesIO()
    _in_colour(painter.coverage(frames[0] if frames else ""), theme).save(buffer, "PNG")
    return buffer.getvalue()
