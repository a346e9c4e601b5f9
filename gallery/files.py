"""Uploaded files: images only, recognised from their bytes, never from their name."""

from __future__ import annotations

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# Far more than any ASCII conversion needs (a 300-column frame), far less than a bomb.
MAX_PIXELS = 40_000_000

# Pillow's format names for the image types the site accepts.
ACCEPTED_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


def sniff_image(upload) -> str:
    """The MIME type of an uploaded image, or ValidationError with a clear message."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationError(
            "The file is larger than %(limit)d MB.", code="file_too_large", params={"limit": limit}
        )
    position = upload.tell()
    try:
        upload.seek(0)
        # A few KB can declare billions of pixels: treat Pillow's bomb warning as an
        # error instead of decoding it.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = image.format
                pixels = image.width * image.height
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image is too large to process.", code="file_too_many_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not a PNG, JPEG, GIF or WebP image.", code="file_not_image"
        ) from None
    finally:
        upload.seek(position)
    if pixels > MAX_PIXELS:
        raise ValidationError("This image is too large to process.", code="file_too_many_pixels")
    if kind not in ACCEPTED_FORMATS:
        raise ValidationError(
            "%(kind)s images are not accepted; use PNG, JPEG, GIF or WebP.",
            code="file_type",
            params={"kind": kind},
        )
    return ACCEPTED_FORMATS[kind]
