"""Images made in the tests: stills, animations, and the broken files uploads refuse."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from PIL import Image, ImageDraw


def still(size=(400, 300), kind="PNG", colour=(200, 30, 30)) -> bytes:
    """A picture with something in it: a light disc on a dark ground, a grey bar."""
    image = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width // 4, height // 6, 3 * width // 4, 5 * height // 6), fill=colour)
    draw.rectangle((0, 0, width // 8, height), fill=(128, 128, 128))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def plain(size=(64, 32), grey=255, kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, grey).save(buffer, kind)
    return buffer.getvalue()


def gradient(size=(256, 64)) -> bytes:
    image = Image.linear_gradient("L").rotate(90).resize(size)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def animation(frames=5, delay_ms=100, size=(80, 40), kind="GIF") -> bytes:
    """A white ball moving right, one position per frame."""
    pictures = []
    for index in range(frames):
        frame = Image.new("RGB", size, (0, 0, 0))
        x = index * (size[0] - size[1]) // max(1, frames - 1)
        ImageDraw.Draw(frame).ellipse((x, 0, x + size[1] - 1, size[1] - 1), fill=(255, 255, 255))
        pictures.append(frame)
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, kind, save_all=True, append_images=pictures[1:], duration=delay_ms, loop=0
    )
    return buffer.getvalue()


def with_zip_after(image: bytes) -> bytes:
    """A polyglot: the image, then a ZIP archive (a browser or unzip reads the end)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return image + buffer.getvalue()


def gif_with_script_comment() -> bytes:
    """A GIF whose comment block holds a script: valid to the end, still a polyglot."""
    data = animation(frames=1)
    comment = b"<script>alert(document.domain)</script>"
    block = b"\x21\xfe" + bytes([len(comment)]) + comment + b"\x00"
    return data[:-1] + block + data[-1:]


def noise(size=(200, 200), seed=1) -> bytes:
    """A PNG that does not compress: its size in bytes is about 3 x its pixels."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, "PNG")
    return buffer.getvalue()


def png_with_damaged_pixels() -> bytes:
    """A PNG whose compressed pixels stop halfway, in a chunk with a correct checksum:
    its structure is whole, its picture is not."""
    data = noise((60, 60))
    start = data.find(b"IDAT")
    (length,) = struct.unpack(">I", data[start - 4 : start])
    body = data[start + 4 : start + 4 + length][: length // 2]
    chunk = struct.pack(">I", len(body)) + b"IDAT" + body
    chunk += struct.pack(">I", zlib.crc32(b"IDAT" + body))
    return data[: start - 4] + chunk + data[start + 8 + length :]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_carrying(*chunks: bytes) -> bytes:
    """A small PNG with `chunks` (png_chunk) placed before its end."""
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (9, 9, 9)).save(buffer, "PNG")
    data = buffer.getvalue()
    end = data.rfind(b"IEND") - 4
    return data[:end] + b"".join(chunks) + data[end:]


def jpeg_with_segment(marker: int, body: bytes) -> bytes:
    """A small JPEG with one more segment (a comment 0xFE, an APPn 0xE0-0xEF)."""
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body + data[2:]


def gif_with_extension(label: int, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (20, 20)).save(buffer, "GIF")
    data = buffer.getvalue()
    blocks = b"".join(
        bytes([len(part)]) + part
        for part in (payload[i : i + 255] for i in range(0, len(payload), 255))
    )
    return data[:-1] + bytes([0x21, label]) + blocks + b"\x00" + data[-1:]


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<b>hi</b>")
    return buffer.getvalue()
