"""Creators' uploads: storing them within the quota, handing them back, and converting
them to ASCII frames.

- `store_upload(user, upload)` checks the image (gallery/files.py) and the quota, then
  writes the object and its row: either both exist afterwards or neither.
- `download_url(file)` is a short-lived signed URL on S3; None on a file system
  storage, where the studio streams the file as an attachment itself.
- `start_conversion(user, file, options)` logs a conversion as a `Generation` (so that
  it has the generation's progress page and log) and runs it here when it is small
  (conversion.INLINE_WORK_LIMIT), else leaves it queued for the `convert_upload` job.
- `preview(file, options)` is the studio's live preview: the whole result when it is
  small, else the first frame.
"""

from __future__ import annotations

import io
import logging
import time
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.http import content_disposition_header

from gallery.conversion import (
    INLINE_WORK_LIMIT,
    Conversion,
    ConversionError,
    ConversionOptions,
    canvas_size,
    convert,
    estimated_work,
    frames_within,
)
from gallery.files import STORAGE_ERRORS, human_size
from gallery.models import CONVERSION_PROVIDER, File, Generation

logger = logging.getLogger(__name__)

# Seconds a download link works: long enough to start, short enough not to be shared.
DOWNLOAD_URL_SECONDS = 60

STORAGE_DOWN = "File storage cannot be reached right now, so nothing was saved. Try again soon."
STORAGE_UNREADABLE = "File storage cannot be reached right now. Try again soon."


class StorageUnavailable(Exception):
    """The storage failed; the message is for the creator."""


def store_upload(user, upload) -> File:
    """Store `upload` as one of `user`'s files. ValidationError for a bad image or a full
    quota, StorageUnavailable when the storage fails; nothing is left behind either way."""
    row = File(owner=user, file=upload)  # clean() names it from the upload
    try:
        row.clean()  # the image checks; the database repeats the rest
    except ValidationError as error:
        raise ValidationError(error.message_dict["file"]) from None
    _check_quota(user, row.size)  # before the bytes travel
    try:
        with transaction.atomic():
            # Locked, so that two uploads at once cannot both fit in the last free space.
            get_user_model().objects.lock(user)
            _check_quota(user, row.size)
            row.save()
    except STORAGE_ERRORS as error:
        logger.warning("Upload by user %s failed in storage: %s", user.pk, error)
        raise StorageUnavailable(STORAGE_DOWN) from error
    return row


def _check_quota(user, size: int) -> None:
    used = File.objects.filter(owner=user).bytes_used()
    quota = settings.UPLOAD_QUOTA_BYTES
    if used + size > quota:
        raise ValidationError(
            "This file (%(size)s) does not fit in your storage: %(used)s of %(quota)s used."
            " Delete files you no longer need.",
            code="over_quota",
            params={"size": human_size(size), "used": human_size(used), "quota": human_size(quota)},
        )


def usage(user) -> dict:
    """What the files page shows of the quota."""
    used, quota = File.objects.filter(owner=user).bytes_used(), settings.UPLOAD_QUOTA_BYTES
    return {
        "used": used,
        "quota": quota,
        "percent": min(100, round(100 * used / quota)),
        "high": round(quota * 0.9),
        "label": f"{human_size(used)} of {human_size(quota)} used",
    }


def delete_upload(file: File) -> None:
    """The row now, the object once that has committed (gallery/signals.py)."""
    file.delete()


def download_url(file: File) -> str | None:
    """A signed URL that saves the file under its name and expires in a minute, on
    S3-compatible storage; None where the storage has no URLs of its own."""
    storage = file.file.storage
    if not hasattr(storage, "bucket_name"):
        return None
    return storage.url(
        file.file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, file.filename),
            "ResponseContentType": file.mime_type,
        },
        expire=DOWNLOAD_URL_SECONDS,
    )


# --- Conversion --------------------------------------------------------------------


def is_small(file: File, options: ConversionOptions) -> bool:
    """Whether converting `file` fits in a request (conversion.INLINE_WORK_LIMIT)."""
    if not file.width:  # stored before sizes were recorded: assume the worst
        return False
    work = estimated_work(file.width, file.height or 1, file.frame_count, options)
    return work <= INLINE_WORK_LIMIT


def _convert_stored(file: File, options: ConversionOptions, **kwargs) -> Conversion:
    # Read whole (at most UPLOAD_MAX_BYTES), so that a storage failure is told apart
    # from a damaged image.
    try:
        with file.file.open("rb") as stored:
            data = stored.read()
    except STORAGE_ERRORS as error:
        logger.warning("File %s could not be read from storage: %s", file.pk, error)
        raise StorageUnavailable(STORAGE_UNREADABLE) from error
    return convert(io.BytesIO(data), options, **kwargs)


# Characters a preview may carry (a page, or an answer to each change of an option):
# half a million is 1.5 MB of block characters at most.
PREVIEW_MAX_CELLS = 500_000


def preview(file: File, options: ConversionOptions) -> tuple[Conversion, bool]:
    """The conversion to show before saving, and whether it is the first frame only
    (for an animation too large to convert here, or to send whole)."""
    width, height = canvas_size(file.width or 1, file.height or 1, options.width)
    kept = min(file.frame_count, frames_within(width, height))
    partial = file.is_animated and (
        not is_small(file, options) or width * height * kept > PREVIEW_MAX_CELLS
    )
    return _convert_stored(file, options, first_frame_only=partial), partial


def title_for(file: File) -> str:
    """An artwork title from the file's name: "sunset-beach.gif" is "sunset beach"."""
    stem = PurePosixPath(file.filename).stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split()) or "Converted image"


def start_conversion(user, file: File, options: ConversionOptions) -> Generation:
    """Log the conversion of `file` and run it now when it is small. The caller queues
    `convert_upload` for one left queued (`attempt.is_finished` is false)."""
    attempt = Generation.objects.create(
        user=user,
        prompt=title_for(file),
        provider=CONVERSION_PROVIDER,
        model=CONVERSION_PROVIDER,  # the options, charset included, are in the request
        status=Generation.Status.QUEUED,
        request={"file": file.pk, "options": options.as_dict()},
    )
    if is_small(file, options):
        return run_conversion(attempt.pk)
    return attempt


def run_conversion(generation_id: int) -> Generation | None:
    """Run a logged conversion and record how it ended; a finished one is left alone,
    so the job may run twice. None if the row is gone (with its account)."""
    with transaction.atomic():
        attempt = Generation.objects.select_for_update().filter(pk=generation_id).first()
        if attempt is None or attempt.is_finished:
            return attempt
        attempt.status, attempt.started_at = Generation.Status.RUNNING, timezone.now()
        attempt.save(update_fields=["status", "started_at"])
    started = time.monotonic()
    result, error = None, ""
    try:
        request = attempt.request or {}
        file = File.objects.filter(pk=request.get("file"), owner=attempt.user_id).first()
        if file is None:
            raise ConversionError("The file was deleted before it could be converted.")
        result = _convert_stored(file, _options_of(request))
    except (ConversionError, StorageUnavailable) as failure:
        error = str(failure)
    except Exception:
        logger.exception("Conversion %s failed unexpectedly", attempt.pk)
        error = "Something went wrong while converting; please try again."
    attempt.status = Generation.Status.FAILED if error else Generation.Status.DONE
    attempt.error = error
    attempt.result = result.as_result() if result else None
    attempt.duration_ms = round((time.monotonic() - started) * 1000)
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["status", "error", "result", "duration_ms", "finished_at"])
    return attempt


def _options_of(request: dict) -> ConversionOptions:
    """The options a conversion was logged with (checked again: a row may be old)."""
    try:
        return ConversionOptions(**request.get("options", {}))
    except TypeError:
        raise ConversionError(
            "The conversion's settings were not understood; start it again."
        ) from None


def conversion_file(attempt: Generation, user) -> File | None:
    """The file a successful conversion of `user`'s came from, if it is still there."""
    if not attempt.is_conversion or not attempt.request:
        return None
    return File.objects.filter(pk=attempt.request.get("file"), owner=user).first()


def bucket_storage():
    """The default storage when it is an S3 bucket (it can take uploads itself), else
    None."""
    return default_storage if hasattr(default_storage, "bucket_name") else None


def storage_url(name: str, filename: str) -> str:
    """A short-lived signed URL that saves `name` as `filename` (S3), or the storage's
    own URL."""
    storage = bucket_storage()
    if storage is None:
        return default_storage.url(name)
    return storage.url(
        name,
        parameters={"ResponseContentDisposition": content_disposition_header(True, filename)},
        expire=DOWNLOAD_URL_SECONDS,
    )
