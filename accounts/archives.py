"""A creator's way out: every artwork and collection of theirs in one ZIP.

The settings page queues `build_archive`, a job that writes the ZIP to a temporary
file one entry at a time (artworks read with .iterator(), so memory stays flat however
many there are) and stores it in the default storage as
`archives/<user id>/<UTC time>-<random token>.zip`: the token makes the name
unguessable. Only the newest archive is kept, for ARCHIVE_KEEP_DAYS; housekeeping
(`delete_expired_archives`, scheduled in gallery/tasks.py) removes older ones, and
deleting the account removes them all. No table tracks an archive: the storage says
which exist, and Procrastinate's job table says whether one is being built or failed.

In the ZIP: `artworks/<public_id>.json` (exactly the artwork's JSON export),
`artworks.json` (an index: id, prompt, visibility, created) and `collections.json`
(name, description, visibility and the artwork ids in their order).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

from accounts.models import User
from gallery.exports import STORAGE_ERRORS, render_json
from gallery.models import Artwork, Collection, CollectionItem

ARCHIVES_PREFIX = "archives"
ARCHIVE_KEEP_DAYS = 7
# One archive per creator per this many seconds (config/ratelimit.py).
ARCHIVE_RATE_WINDOW = 60 * 60
CONTENT_TYPE = "application/zip"
# The file name inside the creator's folder: when it was built, then the secret.
NAME_RE = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)-[A-Za-z0-9_-]{22}\.zip$")
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"

# An unreachable store is retried after 4, 8, 16, 32 s.
STORAGE_RETRY = RetryStrategy(max_attempts=5, exponential_wait=2, retry_exceptions=STORAGE_ERRORS)


@dataclass(frozen=True)
class Archive:
    name: str  # the storage name
    created: datetime

    @property
    def filename(self) -> str:
        """The name in the creator's folder, which their download URL carries."""
        return self.name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ArchiveState:
    status: str  # "none", "queued", "ready" or "failed"
    archive: Archive | None  # the newest stored one (kept while a new one is built)


def _folder(user_id: int) -> str:
    return f"{ARCHIVES_PREFIX}/{user_id}"


def user_archives(user_id: int) -> list[Archive]:
    """The creator's stored archives, newest first."""
    folder = _folder(user_id)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:  # a file system storage without the folder
        return []
    found = []
    for filename in files:
        if match := NAME_RE.match(filename):
            created = datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
            found.append(Archive(f"{folder}/{filename}", created))
    return sorted(found, key=lambda archive: archive.name, reverse=True)


def archive_for_user(user: User, filename: str) -> Archive:
    """The creator's archive stored as `filename`, or 404 for anyone else's or none."""
    if NAME_RE.match(filename):
        for archive in user_archives(user.pk):
            if archive.filename == filename:
                return archive
    raise Http404("No such archive.")


def _jobs(user_id: int):
    return ProcrastinateJob.objects.filter(task_name=build_archive.name, args__user_id=user_id)


def archive_state(user: User) -> ArchiveState:
    """What the settings page shows: a job waiting or running, the last one failed,
    or the newest stored archive."""
    archives = user_archives(user.pk)
    newest = archives[0] if archives else None
    job = _jobs(user.pk).order_by("-id").only("status").first()
    if job is not None and job.status in ("todo", "doing"):
        return ArchiveState("queued", newest)
    if job is not None and job.status in ("failed", "aborted", "cancelled"):
        return ArchiveState("failed", newest)
    return ArchiveState("ready" if newest else "none", newest)


def defer_build(user: User, base_url: str) -> None:
    """Queue the build once the current transaction commits; one per creator at a
    time (its queueing lock). `base_url` (the site's root) makes the exports' URLs."""
    transaction.on_commit(partial(_defer, user.pk, base_url))


def _defer(user_id: int, base_url: str) -> None:
    # AlreadyEnqueued: one waits already, and it will read everything as it is then.
    with contextlib.suppress(AlreadyEnqueued):
        build_archive.configure(queueing_lock=f"build_archive:{user_id}").defer(
            user_id=user_id, base_url=base_url
        )


def write_archive(zf: zipfile.ZipFile, user: User, base_url: str) -> None:
    """Write the creator's artworks and collections into `zf`, one entry at a time."""
    root = base_url.rstrip("/")
    artworks = Artwork.objects.filter(owner=user).order_by("created_at", "id")
    for artwork in artworks.iterator(chunk_size=200):
        url = root + artwork.get_absolute_url()
        zf.writestr(f"artworks/{artwork.public_id}.json", render_json(artwork, url))
    rows = artworks.values_list("public_id", "prompt", "visibility", "created_at")
    with zf.open("artworks.json", "w") as index:
        _write_list(
            index,
            (
                {"id": public_id, "prompt": prompt, "visibility": visibility,
                 "created": created.isoformat()}
                for public_id, prompt, visibility, created in rows.iterator(chunk_size=2000)
            ),
        )  # fmt: skip
    collections = Collection.objects.filter(owner=user).order_by("created_at", "id")
    with zf.open("collections.json", "w") as out:
        _write_list(out, (_collection(collection) for collection in collections.iterator()))


def _collection(collection: Collection) -> dict:
    ids = CollectionItem.objects.filter(collection=collection).order_by("position")
    return {
        "name": collection.name,
        "description": collection.description,
        "visibility": collection.visibility,
        "created": collection.created_at.isoformat(),
        "artworks": list(ids.values_list("artwork__public_id", flat=True)),
    }


def _write_list(out, items) -> None:
    """A JSON list written item by item, never whole in memory."""
    out.write(b"[")
    for number, item in enumerate(items):
        out.write(b",\n  " if number else b"\n  ")
        out.write(json.dumps(item, ensure_ascii=False).encode())
    out.write(b"\n]\n")


@app.task(queue="exports", retry=STORAGE_RETRY)
def build_archive(user_id: int, base_url: str) -> str | None:
    """Build and store the creator's archive, then drop their older ones; returns its
    storage name (None if the account is gone)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    stamp = timezone.now().astimezone(UTC).strftime(STAMP_FORMAT)
    name = f"{_folder(user_id)}/{stamp}-{secrets.token_urlsafe(16)}.zip"
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            write_archive(zf, user, base_url)
        spool.seek(0)
        name = default_storage.save(name, File(spool, name=name))
    for older in user_archives(user_id):
        if older.name != name:
            default_storage.delete(older.name)
    return name


def delete_archives(user_id: int) -> int:
    """Remove every stored archive of the creator (their account is going); returns
    how many."""
    archives = user_archives(user_id)
    for archive in archives:
        default_storage.delete(archive.name)
    return len(archives)


def delete_expired_archives(now: datetime | None = None) -> int:
    """Remove archives older than ARCHIVE_KEEP_DAYS and any but each creator's newest
    (housekeeping); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=ARCHIVE_KEEP_DAYS)
    try:
        folders, _ = default_storage.listdir(ARCHIVES_PREFIX)
    except FileNotFoundError:
        return 0
    deleted = 0
    for folder in folders:
        if not folder.isdigit():
            continue
        for number, archive in enumerate(user_archives(int(folder))):
            if number or archive.created < cutoff:
                default_storage.delete(archive.name)
                deleted += 1
    return deleted
