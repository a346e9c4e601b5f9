"""Uploaded files: images only, recognised from their bytes, never from their name.

`inspect_image(upload)` is the one check every upload passes (the studio, the admin,
the File model's clean): the size cap, the type from the bytes, the pixel cap against
decompression bombs, and a walk over the file's structure that refuses a file cut short
and one that carries anything after the image (a polyglot: an image that is also a page,
a script or an archive). Each refusal is a ValidationError a creator can act on.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# One frame at most, whatever UPLOAD_MAX_PIXELS allows for all frames together: far
# more than any ASCII conversion needs (a 300-column frame), far less than a bomb.
MAX_FRAME_PIXELS = 40_000_000
# Frames an animation may have: ten times what an artwork keeps (500), and each costs
# a decode however small (a 10 MB GIF can hold 450,000 frames of one pixel).
MAX_SOURCE_FRAMES = 5_000


@dataclass(frozen=True)
class ImageFormat:
    mime_type: str
    label: str  # as people name it
    extensions: tuple[str, ...]  # a name may end in, the usual one first


# The images the site accepts, by Pillow's name for their format. MPO is Pillow's name
# for a JPEG that carries more pictures after the first (many cameras add a preview):
# a JPEG, of which the first picture is used.
FORMATS = {
    "PNG": ImageFormat("image/png", "PNG", ("png", "apng")),
    "JPEG": ImageFormat("image/jpeg", "JPEG", ("jpg", "jpeg", "jpe", "jfif")),
    "GIF": ImageFormat("image/gif", "GIF", ("gif",)),
    "WEBP": ImageFormat("image/webp", "WebP", ("webp",)),
}
FORMATS["MPO"] = FORMATS["JPEG"]
FORMAT_OF_MIME_TYPE = {f.mime_type: f for f in FORMATS.values()}

# What S3 (boto) or a file system storage raise when the store cannot be reached.
STORAGE_ERRORS = (BotoCoreError, ClientError, OSError)


@dataclass(frozen=True)
class ImageFacts:
    mime_type: str
    width: int
    height: int
    frames: int


def human_size(size: int) -> str:
    """Bytes as people read them: "512 bytes", "19.5 KB", "10 MB"."""
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.1f}".removesuffix(".0") + f" {unit}"


def _refuse(message: str, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


NOT_AN_IMAGE = "This file is not a PNG, JPEG, GIF or WebP image."
TOO_MANY_PIXELS = "This image has too many pixels to convert (%(pixels)s; the limit is %(limit)s)."
CUT_SHORT = "This image is incomplete: the file ends in the middle. Upload it again."
DAMAGED = "This image is damaged and cannot be read. Export it again and upload the copy."
HIDDEN_CONTENT = "This file holds more than an image (something is hidden in or after it)."


def inspect_image(upload) -> ImageFacts:
    """What an uploaded image is, or ValidationError with a clear message."""
    size = upload.size
    if size > settings.UPLOAD_MAX_BYTES:
        raise _refuse("The file is larger than %(limit)s.", "file_too_large",
                      limit=human_size(settings.UPLOAD_MAX_BYTES))  # fmt: skip
    if not size:
        raise _refuse("The file is empty.", "file_empty")
    position = upload.tell()
    try:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        kind, width, height, frames = _open(upload)
    finally:
        upload.seek(position)
    if kind not in FORMATS:
        raise _refuse(
            "%(kind)s images are not accepted; use PNG, JPEG, GIF or WebP.", "file_type", kind=kind
        )
    _check_extension(getattr(upload, "name", "") or "", FORMATS[kind])
    if kind == "MPO":
        frames = 1  # the pictures after the first are not an animation
    if frames > MAX_SOURCE_FRAMES:
        raise _refuse("This animation has %(frames)s frames; the limit is %(limit)s.",
                      "file_too_many_frames", frames=f"{frames:,}",
                      limit=f"{MAX_SOURCE_FRAMES:,}")  # fmt: skip
    pixels = width * height * frames
    limit = settings.UPLOAD_MAX_PIXELS
    if width * height > MAX_FRAME_PIXELS or pixels > limit:
        raise _refuse(TOO_MANY_PIXELS, "file_too_many_pixels", pixels=f"{pixels:,}",
                      limit=f"{min(limit, MAX_FRAME_PIXELS):,}")  # fmt: skip
    notes: Notes = []
    end = _STRUCTURE[kind](data, notes)
    if end is None:
        raise _refuse(CUT_SHORT, "file_truncated")
    if _hidden(data, end, notes):
        raise _refuse(HIDDEN_CONTENT, "file_polyglot")
    return ImageFacts(FORMATS[kind].mime_type, width, height, frames)


def _check_extension(name: str, found: ImageFormat) -> None:
    """A name that says another type is refused: it would be downloaded as one thing
    and be another."""
    stem, dot, extension = PurePosixPath(name.replace("\\", "/")).name.rpartition(".")
    if not dot or not stem:
        return
    if extension.lower() not in found.extensions:
        raise _refuse(
            "The name ends in .%(extension)s but the file is a %(kind)s image; rename it"
            " to end in .%(right)s.",
            "file_extension",
            extension=extension[:10],
            kind=found.label,
            right=found.extensions[0],
        )


def _open(upload) -> tuple[str, int, int, int]:
    """Format, size and frame count as Pillow reads them, without decoding pixels."""
    try:
        # A few KB can declare billions of pixels: Pillow's bomb warning is an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind, width, height = image.format, image.width, image.height
                if turn_of(image) in SIDEWAYS:  # a portrait photo stored sideways
                    width, height = height, width
                frames = getattr(image, "n_frames", 1)
                upload.seek(0)
                with Image.open(upload) as again:
                    again.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = min(settings.UPLOAD_MAX_PIXELS, MAX_FRAME_PIXELS)
        raise _refuse(TOO_MANY_PIXELS, "file_too_many_pixels", pixels="more than that",
                      limit=f"{limit:,}") from None  # fmt: skip
    except (UnidentifiedImageError, SyntaxError, ValueError, struct.error):
        raise _refuse(NOT_AN_IMAGE, "file_not_image") from None
    except (OSError, EOFError):
        # Pillow recognised the format, then ran out of bytes.
        raise _refuse(CUT_SHORT, "file_truncated") from None
    except Exception:
        # Damaged in a way Pillow's parsers do not name (an IndexError counting the
        # frames of a GIF cut inside a frame, say): still the creator's file, not a bug.
        raise _refuse(DAMAGED, "file_damaged") from None
    return kind, width, height, frames


# --- Where each format ends, and what it carries besides pixels ---------------------
#
# Each walker returns the offset where the image ends (None for a file cut short) and
# adds to `notes` the metadata it passes: (role, payload), the role "text" for text
# meant to be read (PNG text chunks, JPEG and GIF comments), "xmp" for XMP packets
# (XML by design), "other" for anything else that is not pixels.

Notes = list[tuple[str, bytes]]

# Markup a browser or an interpreter would act on, anywhere in the bytes.
_ACTIVE_CONTENT = re.compile(
    rb"<(?:script|html|body|svg|iframe|object|embed|!doctype|\?php)[\s>/]", re.IGNORECASE
)
# In text meant to be read, any tag at all: a comment has no business holding markup
# ("a < b" is not a tag: a browser reads a tag only right after the "<").
_ANY_TAG = re.compile(rb"<[A-Za-z!?/]")
# Another file's signature: ZIP (and JAR, DOCX...), PDF.
_OTHER_FILE = re.compile(rb"PK\x03\x04|PK\x05\x06|PK\x01\x02|%PDF-")
# Text kept compressed in a PNG is unpacked up to this much to be checked.
_MAX_TEXT = 1024 * 1024


def _hidden(data: bytes, end: int, notes: Notes) -> bool:
    """Whether the file carries more than an image: bytes after its end, markup, or
    another file inside its metadata."""
    if data[end:].strip(b"\0") or _ACTIVE_CONTENT.search(data):
        return True
    for role, payload in notes:
        if _OTHER_FILE.search(payload) or _ACTIVE_CONTENT.search(payload):
            return True
        if role == "text" and _ANY_TAG.search(payload):
            return True
    return False


def _inflate(packed: bytes) -> bytes:
    """A PNG's compressed text, at most _MAX_TEXT of it (a text bomb is not unpacked);
    what cannot be unpacked is checked as it is."""
    try:
        return zlib.decompressobj().decompress(packed, _MAX_TEXT)
    except zlib.error:
        return packed


def _png_text(chunk: bytes, body: bytes) -> tuple[str, bytes]:
    keyword, _, rest = body.partition(b"\0")
    if chunk == b"zTXt":
        return "text", _inflate(rest[1:])
    if chunk == b"iTXt":
        compressed, rest = rest[:1] == b"\1", rest[2:]
        _language, _, rest = rest.partition(b"\0")
        _translated, _, text = rest.partition(b"\0")
        text = _inflate(text) if compressed else text
        return ("xmp" if keyword == b"XML:com.adobe.xmp" else "text"), text
    return "text", rest


# PNG chunks that hold pixels or how to show them: nothing to read in them.
_PNG_IMAGE = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"fdAT", b"fcTL", b"acTL", b"tRNS"}


def _png_end(data: bytes, notes: Notes) -> int | None:
    offset = 8
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunk = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if offset > len(data):
            return None
        if chunk in (b"tEXt", b"zTXt", b"iTXt"):
            notes.append(_png_text(chunk, body))
        elif chunk not in _PNG_IMAGE:
            notes.append(("other", body))
        if chunk == b"IEND":
            return offset
    return None


def _gif_end(data: bytes, notes: Notes) -> int | None:
    if len(data) < 13:
        return None
    flags = data[10]
    offset = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)

    def sub_blocks(at: int) -> tuple[int | None, bytes]:
        parts = []
        while at < len(data):
            length = data[at]
            parts.append(data[at + 1 : at + 1 + length])
            at += 1 + length
            if length == 0:
                return at, b"".join(parts)
        return None, b""

    while offset < len(data):
        block = data[offset]
        if block == 0x3B:  # trailer
            return offset + 1
        if block == 0x21:  # extension: label, then sub-blocks
            label = data[offset + 1] if offset + 1 < len(data) else None
            offset, payload = sub_blocks(offset + 2)
            if label in (0xFE, 0x01):  # a comment, or text to draw
                notes.append(("text", payload))
            elif label == 0xFF:  # an application's: looping, XMP...
                notes.append(("xmp" if payload.startswith(b"XMP DataXMP") else "other", payload))
        elif block == 0x2C:  # image: descriptor, local colours, LZW size, sub-blocks
            if offset + 10 > len(data):
                return None
            local = data[offset + 9]
            offset += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
            offset, _pixels = sub_blocks(offset)
        else:
            return None  # not a block: the rest is damaged
        if offset is None:
            return None
    return None


def _jpeg_end(data: bytes, notes: Notes, offset: int = 0) -> int | None:
    """A phone's photo may carry more pictures after the first (Multi-Picture Format):
    each of them must end properly too."""
    end = _one_jpeg_end(data, notes, offset)
    while end is not None and data[end : end + 3] == b"\xff\xd8\xff":
        end = _one_jpeg_end(data, notes, end)
    return end


_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\0"


def _one_jpeg_end(data: bytes, notes: Notes, offset: int) -> int | None:
    offset += 2
    while offset + 2 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker == 0xD9:  # end of image
            return offset + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            offset += 2
            continue
        if offset + 4 > len(data):
            return None
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        body = data[offset + 4 : offset + 2 + length]
        offset += 2 + length
        if marker == 0xFE:  # a comment
            notes.append(("text", body))
        elif 0xE0 <= marker <= 0xEF:  # an application's: JFIF, EXIF, XMP, ICC...
            notes.append(("xmp" if body.startswith(_XMP_HEADER) else "other", body))
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            while True:
                offset = data.find(b"\xff", offset)
                if offset < 0 or offset + 1 >= len(data):
                    return None
                following = data[offset + 1]
                if following == 0 or 0xD0 <= following <= 0xD7:
                    offset += 2
                    continue
                break
    return None


_WEBP_IMAGE = {b"VP8 ", b"VP8L", b"VP8X", b"ANIM", b"ANMF", b"ALPH"}


def _webp_end(data: bytes, notes: Notes) -> int | None:
    if len(data) < 12:
        return None
    (size,) = struct.unpack("<I", data[4:8])
    end = 8 + size + (size & 1)
    if end > len(data):
        return None
    offset = 12
    while offset + 8 <= end:
        chunk = data[offset : offset + 4]
        (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if chunk not in _WEBP_IMAGE:
            notes.append(("xmp" if chunk == b"XMP " else "other", body))
        offset += 8 + length + (length & 1)
    return end


_STRUCTURE = {"PNG": _png_end, "GIF": _gif_end, "JPEG": _jpeg_end, "MPO": _jpeg_end,
              "WEBP": _webp_end}  # fmt: skip


# --- Names -----------------------------------------------------------------------

MAX_FILENAME = 120


def clean_filename(name: str | None) -> str:
    """The uploaded name as a creator may see it again: no folders, no control or
    direction-changing characters, spaces tidied, at most MAX_FILENAME characters with
    the extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"} else char
        for char in name
    )
    name = " ".join(name.split()).strip(". ")
    stem, dot, extension = name.rpartition(".")
    if dot and stem:
        name = f"{stem.rstrip(' .')}.{extension.strip()}"
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = f"{stem[: MAX_FILENAME - len(extension) - 1].rstrip()}.{extension}"
        else:
            name = name[:MAX_FILENAME].rstrip()
    return name or "image"


# --- Orientation and depth ----------------------------------------------------------

# The turn that puts a photo upright, from its EXIF orientation (2-8).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SIDEWAYS = {Image.Transpose.TRANSPOSE, Image.Transpose.ROTATE_270,
            Image.Transpose.TRANSVERSE, Image.Transpose.ROTATE_90}  # fmt: skip
SIXTEEN_BIT_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


def turn_of(image: Image.Image) -> Image.Transpose | None:
    """What puts `image` upright (a phone stores portrait photos sideways and says so
    in EXIF), or None. Applied to the small copies only, never the full picture."""
    try:
        return _TURNS.get(image.getexif().get(0x0112))
    except Exception:  # unreadable EXIF is no reason to refuse a picture
        return None


def eight_bit(small: Image.Image) -> Image.Image:
    """A (small) 16-bit grey image as 8-bit: scaled, where convert("L") would clip."""
    if small.mode in SIXTEEN_BIT_MODES:
        return small.convert("I").point(lambda value: value / 256).convert("L")
    return small


# --- Thumbnails --------------------------------------------------------------------

THUMBNAIL_SIZE = (240, 240)


def thumbnail_of(upload) -> bytes:
    """A WebP of the image's first frame, at most THUMBNAIL_SIZE; empty if the image
    cannot be read (inspect_image has refused it already)."""
    position = upload.tell()
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format == "JPEG":
                image.draft("RGB", THUMBNAIL_SIZE)
            turn = turn_of(image)
            if image.mode in SIXTEEN_BIT_MODES:
                frame = image.convert("I")
            elif image.mode in ("RGB", "RGBA", "L", "LA"):
                frame = image
            else:
                frame = image.convert("RGBA")
            frame.thumbnail(THUMBNAIL_SIZE)  # shrunk before any other copy
            frame = eight_bit(frame)
            if turn is not None:
                frame = frame.transpose(turn)
            buffer = io.BytesIO()
            frame.save(buffer, "WEBP", quality=75)
            return buffer.getvalue()
    except (OSError, ValueError, SyntaxError, EOFError):
        return b""
    finally:
        upload.seek(position)
