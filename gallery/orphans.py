"""Stored uploads and File rows that lost each other: objects under `uploads/` with no
row, and rows whose object is gone (manage.py cleanup_orphans).

An upload writes its object a moment before its row, so an object without a row is
only an orphan once it is older than `min_age`. Both lists are checked again just
before anything is removed: a row committed, or an object written, while a long
listing ran must not be taken for an orphan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from gallery.models import File

if TYPE_CHECKING:
    from django.core.files.storage import Storage

PREFIX = "uploads"
CHUNK = 1000

# progress(iterable, total, label): shows how far a loop got; the default shows nothing.
Track = Callable[..., Iterable]


def _untracked(iterable: Iterable, total: int | None = None, label: str = "") -> Iterable:
    return iterable


@dataclass
class Orphans:
    objects: list[str] = field(default_factory=list)  # stored names without a row
    rows: list[tuple[int, str]] = field(default_factory=list)  # (pk, name) without object
    young: list[str] = field(default_factory=list)  # without a row, but too new to judge


def stored_objects(storage: Storage) -> Iterator[tuple[str, datetime | None]]:
    """(name, last modified or None when the listing does not tell) of every object
    under uploads/, read page by page."""
    if hasattr(storage, "bucket_name"):  # django-storages' S3: the listing has the dates
        root = storage.location.strip("/")
        prefix = f"{root}/{PREFIX}/" if root else f"{PREFIX}/"
        paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                key = entry["Key"]
                if key.endswith("/"):  # a folder marker some tools write
                    continue
                yield (key[len(root) + 1 :] if root else key), entry["LastModified"]
        return
    yield from ((name, None) for name in _walk(storage, PREFIX))


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever uploaded
        return
    yield from (f"{folder}/{name}" for name in files)
    for name in folders:
        yield from _walk(storage, f"{folder}/{name}")


def find(storage: Storage, *, min_age: timedelta, track: Track = _untracked) -> Orphans:
    """The orphans in `storage` now."""
    rows = File.objects.order_by()
    names = {
        name: pk
        for pk, name in track(
            rows.values_list("pk", "file").iterator(chunk_size=CHUNK), rows.count(), "rows"
        )
    }
    found = Orphans()
    without_row = []
    for name, modified in track(stored_objects(storage), None, "objects"):
        if names.pop(name, None) is None:
            without_row.append((name, modified))
    cutoff = timezone.now() - min_age
    for name, modified in without_row:
        try:
            modified = modified or storage.get_modified_time(name)
        except FileNotFoundError:  # deleted since it was listed
            continue
        (found.young if modified > cutoff else found.objects).append(name)
    found.objects = sorted(_still_without_row(found.objects))
    found.rows = sorted(_still_without_object(storage, list(names.values())))
    return found


def _still_without_row(names: list[str]) -> Iterator[str]:
    for start in range(0, len(names), CHUNK):
        chunk = names[start : start + CHUNK]
        with_row = set(File.objects.filter(file__in=chunk).values_list("file", flat=True))
        yield from (name for name in chunk if name not in with_row)


def _still_without_object(storage: Storage, pks: list[int]) -> Iterator[tuple[int, str]]:
    """The rows among `pks` that still exist and whose object is really missing (a
    listing is not a snapshot: it may miss what changed while it ran)."""
    for start in range(0, len(pks), CHUNK):
        rows = File.objects.filter(pk__in=pks[start : start + CHUNK]).values_list("pk", "file")
        yield from ((pk, name) for pk, name in rows if not name or not storage.exists(name))


def remove(storage: Storage, orphans: Orphans, *, track: Track = _untracked) -> None:
    """Delete the orphan objects and rows. A row's delete also asks the storage to delete
    its (missing) object, which is harmless."""
    for name in track(orphans.objects, len(orphans.objects), "removing objects"):
        storage.delete(name)
    pks = [pk for pk, _ in orphans.rows]
    for start in range(0, len(pks), CHUNK):
        File.objects.filter(pk__in=pks[start : start + CHUNK]).delete()
