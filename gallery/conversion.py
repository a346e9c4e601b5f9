"""Pictures and animated GIFs turned into ASCII frames.

`convert(source, options)` reads a PNG, JPEG, GIF or WebP (already checked by
gallery/files.py) and returns frames for the editor: one per source frame, sampled down
to the frame limit, at an fps from the source's own frame delays. Everything heavy is
Pillow's C code (resizing, contrast, dithering); Python only maps cell values to
characters, with str.translate. The edge mode's direction characters are the one per-cell
Python loop.

`estimated_work(width, height, frames, options)` is what a conversion costs (pixels
to decode, characters to write): above INLINE_WORK_LIMIT, measured in
docs/benchmarks.md, a conversion is a background job instead of holding a request.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import IO

from PIL import Image, ImageFilter, ImageSequence

from gallery import frames as frame_rules
from gallery.files import SIDEWAYS, SIXTEEN_BIT_MODES, eight_bit, turn_of

# A character cell is about half as wide as it is tall: the player's font is 0.6 em
# wide at a line height of 1.15 em.
CELL_ASPECT = 0.6 / 1.15

# Darkest to brightest: the player shows light characters on a dark ground, so a bright
# pixel is a dense character (invert swaps them, for light grounds).
CHARSETS = {
    "standard": ("Standard ramp", " .:-=+*#%@"),
    "blocks": ("Blocks", " ░▒▓█"),
    "simple": ("Simple", " .+#"),
    "detailed": (
        "Detailed",
        " .'`^\",:;Il!i><~+_-?][}{1)(|\\/tfjrxnuvczXYUJCLQ0OZmwqpdbkhao*#MW&8%B@$",
    ),
}
CHARSET_CHOICES = [(key, label) for key, (label, _ramp) in CHARSETS.items()]

MIN_ADJUST, MAX_ADJUST = -100, 100
DEFAULT_WIDTH = 80

# The work (estimated_work) a request may do itself; more runs as a background job.
# Measured in docs/benchmarks.md ("Image conversion"): decoding costs about 8 ns a
# pixel, writing a character 10-90 ns (250 in the edge mode); 40 million is under half
# a second here, so about a second on a busy server.
INLINE_WORK_LIMIT = 40_000_000
CELL_COST, EDGE_CELL_COST = 10, 30
# Each frame costs about 13 µs to reach however small it is: a frame of 1,600 pixels.
FRAME_COST = 1_600

# Characters a conversion may write in all: 4 million is 12 MB of block characters in
# the editor's form (under DATA_UPLOAD_MAX_MEMORY_SIZE), 88 frames of 300 x 150.
MAX_CONVERTED_CELLS = 4_000_000

# Browsers play GIF delays under 20 ms as 100 ms; so do we.
MIN_DELAY_MS, DEFAULT_DELAY_MS = 20, 100

# The gradient strength (0-255 after scaling) under which the edge mode draws nothing.
EDGE_THRESHOLD = 24


class ConversionError(Exception):
    """The image cannot be converted; the message is for the creator."""


@dataclass(frozen=True)
class ConversionOptions:
    width: int = DEFAULT_WIDTH
    charset: str = "standard"
    invert: bool = False
    brightness: int = 0
    contrast: int = 0
    dither: bool = False
    edges: bool = False

    def __post_init__(self) -> None:
        # The studio's form checks all this; a job's stored options are checked again.
        if not frame_rules.MIN_WIDTH <= self.width <= frame_rules.MAX_WIDTH:
            raise ConversionError(
                f"The width must be from {frame_rules.MIN_WIDTH} to {frame_rules.MAX_WIDTH}"
                " characters."
            )
        if self.charset not in CHARSETS:
            raise ConversionError("Choose one of the character sets.")
        for value in (self.brightness, self.contrast):
            if not MIN_ADJUST <= value <= MAX_ADJUST:
                raise ConversionError(
                    f"Brightness and contrast go from {MIN_ADJUST} to {MAX_ADJUST}."
                )

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def ramp(self) -> str:
        return CHARSETS[self.charset][1]


@dataclass
class Conversion:
    frames: list[str]
    width: int
    height: int
    fps: int
    source_frames: int

    def as_result(self) -> dict:
        """In the shape of a generation's result, so that the editor opens it alike."""
        return {"frames": self.frames, "width": self.width, "height": self.height,
                "fps": self.fps, "style": ""}  # fmt: skip


def canvas_size(image_width: int, image_height: int, columns: int) -> tuple[int, int]:
    """(width, height) in characters: `columns` wide, as tall as the picture's aspect
    asks once cells are corrected for, narrowed if that would be taller than allowed."""
    rows = image_height / image_width * columns * CELL_ASPECT
    if rows > frame_rules.MAX_HEIGHT:
        columns = max(1, math.floor(columns * frame_rules.MAX_HEIGHT / rows))
        rows = frame_rules.MAX_HEIGHT
    return columns, max(1, min(frame_rules.MAX_HEIGHT, round(rows)))


def estimated_work(image_width: int, image_height: int, frames: int,
                   options: ConversionOptions) -> int:  # fmt: skip
    """What converting costs, in decoded-pixel equivalents: every source frame is
    decoded (a GIF's frames are drawn one over the other and cannot be skipped), and
    every character of every kept frame is written, the edge mode's in Python."""
    frames = max(1, frames)
    width, height = canvas_size(image_width, image_height, options.width)
    cells = width * height * min(frames, frame_rules.MAX_FRAMES)
    per_cell = EDGE_CELL_COST if options.edges else CELL_COST
    return (image_width * image_height + FRAME_COST) * frames + cells * per_cell


def sampled_indices(count: int, limit: int) -> list[int]:
    """Which of `count` source frames to keep: all of them, or `limit` spread evenly."""
    if count <= limit:
        return list(range(count))
    return [i * count // limit for i in range(limit)]


def frames_within(width: int, height: int) -> int:
    """How many frames of width x height a conversion keeps: the artwork's limit, and
    MAX_CONVERTED_CELLS characters in all, so that the editor can carry them."""
    return max(1, min(frame_rules.MAX_FRAMES, MAX_CONVERTED_CELLS // (width * height)))


def fps_for(delays_ms: list[int], kept: int) -> int:
    """The fps that plays `kept` frames in the time the source's frames take."""
    delays = [d if d and d >= MIN_DELAY_MS else DEFAULT_DELAY_MS for d in delays_ms]
    total_seconds = sum(delays) / 1000 if delays else DEFAULT_DELAY_MS / 1000
    fps = round(kept / total_seconds)
    return max(frame_rules.MIN_FPS, min(frame_rules.MAX_FPS, fps))


def timed_frames(frames: list[str], delays_ms: list[int],
                 limit: int) -> tuple[list[str], int] | None:  # fmt: skip
    """The frames repeated so that each lasts as long as it did in the source, at one
    fps (a slideshow of 2-second pictures, a pause on the last frame), and that fps;
    None when the delays are even and playable as they are, or when the repeats would
    pass `limit` frames (the mean delay then sets the fps)."""
    delays = [d if d and d >= MIN_DELAY_MS else DEFAULT_DELAY_MS for d in delays_ms]
    shortest = min(delays)
    even = max(delays) == shortest
    if even and 1000 / shortest >= frame_rules.MIN_FPS:
        return None
    fps = max(frame_rules.MIN_FPS, min(frame_rules.MAX_FPS, round(1000 / shortest)))
    repeats = [max(1, round(delay * fps / 1000)) for delay in delays]
    if sum(repeats) > limit:
        return None
    return [frame for frame, times in zip(frames, repeats, strict=True)
            for _ in range(times)], fps  # fmt: skip


def _tone_table(options: ConversionOptions) -> list[int]:
    """A 256-entry lookup of brightness, contrast and invert, applied by Pillow."""
    # The usual contrast curve: -100 flattens to grey, +100 doubles the slope twice over.
    c = options.contrast * 2.55
    factor = (259 * (c + 255)) / (255 * (259 - c))
    shift = options.brightness * 2.55
    table = []
    for value in range(256):
        toned = (value - 128) * factor + 128 + shift
        toned = max(0, min(255, round(toned)))
        table.append(255 - toned if options.invert else toned)
    return table


def _level_table(levels: int) -> list[int]:
    """0-255 to a ramp index, each level an equal share of the range."""
    return [min(levels - 1, value * levels // 256) for value in range(256)]


def _palette(levels: int) -> Image.Image:
    """A palette of `levels` evenly spaced greys, for dithering onto the ramp."""
    palette = Image.new("P", (1, 1))
    greys = [round(i * 255 / (levels - 1)) for i in range(levels)] if levels > 1 else [0]
    palette.putpalette([g for grey in greys for g in (grey, grey, grey)])
    return palette


def _grey(frame: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The frame in greys at `size` (in cells), transparent parts dark like the
    player's ground. Shrunk first: a large picture is never copied at full size (a
    6300 x 6300 PNG would take half a gigabyte in RGBA copies)."""
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        if frame.mode not in ("RGBA", "LA"):
            frame = frame.convert("RGBA")  # a palette has no averages to resize with
        # Pillow resizes with premultiplied alpha: the same as on black, then averaged.
        small = frame.resize(size, Image.Resampling.BOX).convert("RGBA")
        ground = Image.new("RGBA", size, (0, 0, 0, 255))
        return Image.alpha_composite(ground, small).convert("L")
    if frame.mode in SIXTEEN_BIT_MODES:  # resized in 32 bits, then scaled to 8
        return eight_bit(frame.convert("I").resize(size, Image.Resampling.BOX))
    if frame.mode not in ("L", "RGB"):
        frame = frame.convert("L")
    return frame.resize(size, Image.Resampling.BOX).convert("L")


def _edge_characters(cells: Image.Image) -> str:
    """Lines drawn along the picture's edges: - | / \\ by the gradient's direction."""
    # Pillow leaves a filtered image's border as it was: filter a copy with its edge
    # pixels repeated around it, then cut that ring off again.
    width, height = cells.size
    padded = Image.new("L", (width + 2, height + 2))
    padded.paste(cells, (1, 1))
    padded.paste(cells.crop((0, 0, width, 1)), (1, 0))
    padded.paste(cells.crop((0, height - 1, width, height)), (1, height + 1))
    padded.paste(padded.crop((1, 0, 2, height + 2)), (0, 0))
    padded.paste(padded.crop((width, 0, width + 1, height + 2)), (width + 1, 0))
    inner = (1, 1, width + 1, height + 1)
    # Sobel, scaled into a byte around 128 so that the sign survives Pillow's clipping.
    gx = padded.filter(ImageFilter.Kernel((3, 3), (-1, 0, 1, -2, 0, 2, -1, 0, 1), 8, 128))
    gy = padded.filter(ImageFilter.Kernel((3, 3), (-1, -2, -1, 0, 0, 0, 1, 2, 1), 8, 128))
    out = []
    for x, y in zip(gx.crop(inner).tobytes(), gy.crop(inner).tobytes(), strict=True):
        dx, dy = x - 128, y - 128
        if abs(dx) + abs(dy) < EDGE_THRESHOLD:
            out.append(" ")
            continue
        # The edge runs across the gradient.
        angle = math.degrees(math.atan2(dy, dx)) % 180
        if angle < 22.5 or angle >= 157.5:
            out.append("|")
        elif angle < 67.5:
            out.append("\\")
        elif angle < 112.5:
            out.append("-")
        else:
            out.append("/")
    return "".join(out)


class _Renderer:
    """Turns frames of one source into text, with the tables built once."""

    def __init__(self, options: ConversionOptions, width: int, height: int) -> None:
        self.options, self.size = options, (width, height)
        ramp = options.ramp
        self.tone = _tone_table(options)
        self.levels = _level_table(len(ramp))
        self.characters = {index: char for index, char in enumerate(ramp)}
        self.palette = _palette(len(ramp)) if options.dither else None

    def render(self, frame: Image.Image, turn: Image.Transpose | None = None) -> str:
        if turn is None:
            cells = _grey(frame, self.size)
        else:  # drawn sideways as stored, then turned upright
            sideways = turn in SIDEWAYS
            stored = (self.size[1], self.size[0]) if sideways else self.size
            cells = _grey(frame, stored).transpose(turn)
        cells = cells.point(self.tone)
        if self.options.edges:
            text = _edge_characters(cells)
        elif self.palette is not None:
            indexed = cells.convert("RGB").quantize(
                palette=self.palette, dither=Image.Dither.FLOYDSTEINBERG
            )
            text = indexed.tobytes().decode("latin-1").translate(self.characters)
        else:
            text = cells.point(self.levels).tobytes().decode("latin-1").translate(self.characters)
        width = self.size[0]
        lines = (text[i : i + width].rstrip() for i in range(0, len(text), width))
        # Blank space at the right and the bottom is the canvas's (the artwork keeps
        # its height): the frame ends where its last character does, as typed ones do.
        # An all-dark frame is one space: an empty last frame would not survive the
        # editor's text (a trailing separator is dropped).
        return "\n".join(lines).rstrip("\n") or " "


def convert(
    source: IO[bytes], options: ConversionOptions, *, first_frame_only: bool = False
) -> Conversion:
    """The frames of the image in `source`, or ConversionError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                return _convert(image, options, first_frame_only)
    except ConversionError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ConversionError("This image is too large to convert.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ConversionError(
            "This image could not be read to the end; it may be damaged. Upload it again."
        ) from None


def _convert(image: Image.Image, options: ConversionOptions, first_frame_only: bool):
    # An MPO's pictures after the first are a camera's extras, not frames.
    animated = not first_frame_only and image.format != "MPO"
    count = getattr(image, "n_frames", 1) if animated else 1
    turn = turn_of(image)
    upright = (image.height, image.width) if turn in SIDEWAYS else (image.width, image.height)
    width, height = canvas_size(*upright, options.width)
    if count == 1 and image.format in ("JPEG", "MPO"):
        # Decode at the smallest scale that still has two pixels per cell: 1/8 of the
        # work for a photo.
        cells = (height, width) if turn in SIDEWAYS else (width, height)  # as stored
        image.draft("L", (cells[0] * 2, cells[1] * 2))
    renderer = _Renderer(options, width, height)
    keep = set(sampled_indices(count, frames_within(width, height)))
    frames, delays = [], []
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= count:
            break
        frame.load()  # WebP tells a frame's duration once it is decoded
        delays.append(frame.info.get("duration", 0))
        if index in keep:
            frames.append(renderer.render(frame, turn))
    if count == 1:
        return Conversion(frames, width, height, 10, source_frames=1)
    limit = frames_within(width, height)
    if len(frames) == count:  # none dropped: each frame may be shown as long as it was
        timed = timed_frames(frames, delays, limit)
        if timed is not None:
            return Conversion(timed[0], width, height, timed[1], source_frames=count)
    return Conversion(frames, width, height, fps_for(delays, len(frames)), source_frames=count)
