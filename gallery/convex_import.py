"""Import from the original app: a Convex snapshot export (a ZIP with a folder per table,
each holding `documents.jsonl`) into this gallery.

`ConvexImport(archive).run()` reads the tables in the order their references need
(users, userSettings, artworks, artworkEmbeddings, collections, shares, generations,
files: their blobs from `_storage/` into the configured storage), one line at a time
(memory stays flat however many documents), and maps each document's `_id` to the row
it became (`ImportedRecord`), so that a second run updates instead of doubling. A bad
document never stops the import: it is rejected with its table, `_id` and reason, and
the rest goes on. Where a document breaks one of our rules, one written rule per case:

- a share code shorter than ours (the original app made them with Math.random) gets a
  fresh code and is imported revoked;
- a share's viewCount above its maxViews is clamped (the share is used up);
- `featured` on an artwork that is not public is dropped;
- like and view counts arrive as numbers without like rows: they are set as they are,
  the one exception to engagement.py being the counters' only writer;
- files that are not images (checked as uploads are) are rejected;
- embeddings keep their model's name, so they are compared only with their own kind.

Users are matched to an existing account only by a verified email; new ones get no
password (they sign in by an emailed code or a reset). Timestamps (ISO strings) become
aware datetimes; fields we do not know are ignored with one warning each.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from procrastinate.contrib.django import app

from accounts.models import ApiKey, Provider, UserSettings
from gallery import frames as frame_rules
from gallery.files import STORAGE_ERRORS
from gallery.models import (
    EMBEDDING_DIMENSIONS,
    Artwork,
    ArtworkEmbedding,
    Collection,
    CollectionItem,
    ConvexImportRun,
    File,
    Generation,
    ImportedRecord,
    Share,
    Visibility,
    new_share_code,
)

MIN_SHARE_CODE = 22  # the database's share_code_long_enough
# Documents per transaction in a real import (see ConvexImport.run).
BATCH = 500


class Rejected(Exception):
    """A document that cannot be imported; the message says why."""


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0


@dataclass
class ImportResult:
    tables: dict[str, TableReport] = field(default_factory=dict)
    rejections: list[tuple[str, str, str]] = field(default_factory=list)  # table, _id, why
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # rules applied
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = []
        for table, report in self.tables.items():
            lines.append(
                f"{table}: {report.created} created, {report.updated} updated,"
                f" {report.skipped} skipped, {report.rejected} rejected"
            )
        return "\n".join(lines)


# The fields each table may have: others are ignored with one warning each.
KNOWN_FIELDS = {
    "users": {"clerkId", "email", "name", "imageUrl", "createdAt", "updatedAt"},
    "userSettings": {"userId", "theme", "defaultVisibility", "emailNotifications",
                     "preferredModel", "preferredProvider", "apiKeys", "updatedAt"},
    "artworks": {"userId", "prompt", "frames", "metadata", "visibility", "featured", "likes",
                 "views", "createdAt", "updatedAt"},
    "collections": {"userId", "name", "description", "artworkIds", "visibility", "createdAt",
                    "updatedAt"},
    "shares": {"artworkId", "shareCode", "expiresAt", "maxViews", "viewCount", "createdAt"},
    "generations": {"userId", "prompt", "success", "error", "duration", "model", "cost",
                    "createdAt"},
    "artworkEmbeddings": {"artworkId", "embedding", "model", "createdAt"},
    "files": {"storageId", "userId", "artworkId", "filename", "mimeType", "size", "createdAt"},
}  # fmt: skip
ORDER = ["users", "userSettings", "artworks", "artworkEmbeddings", "collections", "shares",
         "generations", "files"]  # fmt: skip


def when(value: object, field_name: str) -> datetime:
    """An ISO timestamp as an aware datetime (UTC when it names no zone)."""
    if not isinstance(value, str) or not (parsed := parse_datetime(value)):
        raise Rejected(f"{field_name} is not an ISO date and time: {value!r}"[:200])
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.utc)


def text(document: dict, name: str, *, required: bool = True, limit: int | None = None) -> str:
    value = document.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Rejected(f"{name} is missing or not text")
    if limit is not None and len(value) > limit:
        raise Rejected(f"{name} is longer than {limit} characters")
    return value


class ConvexImport:
    def __init__(self, archive: zipfile.ZipFile, *, dry_run: bool = False,
                 progress: Callable[[Iterator, str], Iterator] | None = None) -> None:  # fmt: skip
        self.archive, self.dry_run = archive, dry_run
        self.progress = progress or (lambda items, label: items)
        self.result = ImportResult()
        self._warned: set[tuple[str, str]] = set()
        self._clerk_users: dict[str, int] = {}  # Clerk subject -> user id

    # --- Running ------------------------------------------------------------------------

    def run(self) -> ImportResult:
        """Import every table. A real import commits every BATCH documents, so that
        what each commit sets off (the embedding job of each artwork, the page cache's
        forgetting) runs as it goes instead of piling up in memory; a dry run is one
        transaction, rolled back."""
        if not self.dry_run:
            for table in ORDER:
                self._table(table)
            return self.result
        with transaction.atomic():
            for table in ORDER:
                self._table(table)
            transaction.set_rollback(True)
        return self.result

    def _documents(self, table: str) -> Iterator[tuple[int, dict | None, str]]:
        """(line number, document or None, the raw line) of a table, streamed."""
        name = f"{table}/documents.jsonl"
        if name not in self.archive.namelist():
            return
        with self.archive.open(name) as lines:
            for number, raw in enumerate(lines, start=1):
                line = raw.decode("utf-8", errors="replace").strip()
                if not line:
                    continue
                try:
                    document = json.loads(line)
                except json.JSONDecodeError:
                    yield number, None, line
                    continue
                yield number, document if isinstance(document, dict) else None, line

    def _table(self, table: str) -> None:
        report = self.result.tables.setdefault(table, TableReport())
        documents = self.progress(self._documents(table), table)
        while True:
            # One transaction per batch (inside a dry run's, a savepoint); each document
            # in a savepoint of its own, so that a bad one is rolled back alone.
            with transaction.atomic():
                batch = list(itertools.islice(documents, BATCH))
                for number, document, _raw in batch:
                    self._one(table, number, document, report)
            if len(batch) < BATCH:
                return

    def _one(self, table: str, number: int, document: dict | None, report) -> None:
        convex_id = document.get("_id") if document else None
        if not isinstance(convex_id, str) or not convex_id:
            self._reject(table, f"line {number}", "not a JSON document with an _id", report)
            return
        self._warn_unknown(table, document)
        try:
            with transaction.atomic():
                outcome = getattr(self, f"_import_{table}")(document)
        except Rejected as why:
            self._reject(table, convex_id, str(why), report)
        except (ValidationError, IntegrityError, ValueError, TypeError) as error:
            message = "; ".join(getattr(error, "messages", [str(error)]))
            self._reject(table, convex_id, message[:300], report)
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)

    def _reject(self, table: str, convex_id: str, why: str, report: TableReport) -> None:
        report.rejected += 1
        self.result.rejections.append((table, convex_id, why))

    def _note(self, table: str, convex_id: str, rule: str) -> None:
        self.result.notes.append((table, convex_id, rule))

    def _warn_unknown(self, table: str, document: dict) -> None:
        for name in document:
            if name.startswith("_") or name in KNOWN_FIELDS[table]:
                continue
            if (table, name) not in self._warned:
                self._warned.add((table, name))
                self.result.warnings.append(f"{table}.{name} is not known: ignored.")

    # --- Mapping ------------------------------------------------------------------------

    def _existing(self, table: str, convex_id: str, model):
        record = ImportedRecord.objects.filter(table=table, convex_id=convex_id).first()
        return model.objects.filter(pk=record.object_id).first() if record else None

    def _remember(self, table: str, convex_id: str, row) -> None:
        ImportedRecord.objects.update_or_create(
            table=table, convex_id=convex_id, defaults={"object_id": row.pk}
        )

    def _mapped_id(self, table: str, convex_id: object, what: str) -> int:
        record = (
            ImportedRecord.objects.filter(table=table, convex_id=convex_id).first()
            if isinstance(convex_id, str)
            else None
        )
        if record is None:
            raise Rejected(f"{what} {convex_id!r} was not imported")
        return record.object_id

    def _save(self, table: str, convex_id: str, row, existing) -> str:
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
        self._remember(table, convex_id, row)
        return "updated" if existing else "created"

    # --- Tables ---------------------------------------------------------------------------

    def _import_users(self, document: dict) -> str:
        convex_id = document["_id"]
        clerk_id = text(document, "clerkId", limit=255)
        email = get_user_model().objects.normalize_email(text(document, "email", limit=254))
        user = self._existing("users", convex_id, get_user_model())
        if user is None:
            user = get_user_model().objects.filter(external_id=clerk_id).first()
        if user is None:
            verified = EmailAddress.objects.filter(email__iexact=email, verified=True).first()
            user = verified.user if verified else None
        existing = user
        if user is None and get_user_model().objects.filter(email__iexact=email).exists():
            raise Rejected(
                "an account with this email exists, but its address is not verified:"
                " sign in to it and import again"
            )
        if user is None:
            users = get_user_model().objects
            wanted = (document.get("name") or email.split("@")[0]) if document else "user"
            user = get_user_model()(username=users.available_username(str(wanted)), email=email)
            user.set_unusable_password()  # signs in by an emailed code or a reset
            user.date_joined = when(document.get("createdAt"), "createdAt")
        if isinstance(document.get("name"), str) and not user.first_name:
            user.first_name = document["name"][:150]
        user.external_id = clerk_id
        outcome = self._save("users", convex_id, user, existing)
        self._clerk_users[clerk_id] = user.pk
        return outcome

    def _import_userSettings(self, document: dict) -> str:
        user_id = self._mapped_id("users", document.get("userId"), "user")
        existing = UserSettings.objects.filter(user_id=user_id).first()
        settings = existing or UserSettings(user_id=user_id)
        for source, target in (("theme", "theme"), ("defaultVisibility", "default_visibility"),
                               ("preferredModel", "preferred_model"),
                               ("preferredProvider", "preferred_provider")):  # fmt: skip
            if isinstance(document.get(source), str):
                setattr(settings, target, document[source])
        if isinstance(document.get("emailNotifications"), bool):
            settings.email_notifications = document["emailNotifications"]
        outcome = self._save("userSettings", document["_id"], settings, existing)
        for entry in document.get("apiKeys") or []:
            self._api_key(user_id, entry, document["_id"])
        return outcome

    def _api_key(self, user_id: int, entry: object, convex_id: str) -> None:
        if not isinstance(entry, dict) or entry.get("provider") not in Provider.values:
            self._note("userSettings", convex_id, "an API key of an unknown provider was left out")
            return
        name = str(entry.get("name") or entry["provider"])[:100]
        key = ApiKey.objects.filter(user_id=user_id, name=name, provider=entry["provider"]).first()
        key = key or ApiKey(user_id=user_id, name=name, provider=entry["provider"])
        key.key = str(entry.get("key") or "")  # encrypted as it is saved
        key.save()

    def _import_artworks(self, document: dict) -> str:
        convex_id = document["_id"]
        clerk_id = document.get("userId")
        owner_id = self._clerk_users.get(clerk_id) if isinstance(clerk_id, str) else None
        if owner_id is None:
            owner = (
                get_user_model().objects.filter(external_id=clerk_id).first() if clerk_id else None
            )
            if owner is None:
                raise Rejected(f"its user {clerk_id!r} was not imported")
            owner_id = owner.pk
        meta = document.get("metadata")
        if not isinstance(meta, dict):
            raise Rejected("metadata is missing")
        frames = document.get("frames")
        width, height, fps = meta.get("width"), meta.get("height"), meta.get("fps")
        try:
            frame_rules.validate_frames(frames, width, height)
        except ValidationError as error:
            raise Rejected(f"frames: {error.messages[0]}") from None
        visibility = document.get("visibility")
        if visibility not in Visibility.values:
            raise Rejected(f"visibility {visibility!r} is not public, unlisted or private")
        artwork = self._existing("artworks", convex_id, Artwork)
        existing = artwork
        artwork = artwork or Artwork(owner_id=owner_id)
        artwork.prompt = text(document, "prompt", limit=frame_rules.MAX_PROMPT)
        artwork.frames, artwork.width, artwork.height = frames, width, height
        artwork.fps = fps
        artwork.generator = str(meta.get("generator") or "manual")[:50]
        artwork.model = str(meta.get("model") or "")[:200]
        artwork.style = str(meta.get("style") or "")[:100]
        artwork.visibility = visibility
        featured = bool(document.get("featured"))
        if featured and visibility != Visibility.PUBLIC:
            self._note("artworks", convex_id, "featured dropped: only public artworks are")
            featured = False
        artwork.featured = featured
        # The one exception to engagement.py: counts arrive without their like rows.
        artwork.likes_count = max(0, int(document.get("likes") or 0))
        artwork.views_count = max(0, int(document.get("views") or 0))
        artwork.created_at = when(document.get("createdAt"), "createdAt")
        outcome = self._save("artworks", convex_id, artwork, existing)
        # updated_at is the database's on save: set it as the source had it.
        updated = when(document.get("updatedAt", document.get("createdAt")), "updatedAt")
        Artwork.objects.filter(pk=artwork.pk).update(updated_at=updated)
        return outcome

    def _import_collections(self, document: dict) -> str:
        convex_id = document["_id"]
        owner_id = self._mapped_id("users", document.get("userId"), "user")
        visibility = document.get("visibility")
        if visibility not in Collection.Visibility.values:
            raise Rejected(f"visibility {visibility!r} is not one of ours")
        collection = self._existing("collections", convex_id, Collection)
        existing = collection
        collection = collection or Collection(owner_id=owner_id)
        collection.name = text(document, "name", limit=200).strip()
        collection.description = text(document, "description", required=False)
        collection.visibility = visibility
        outcome = self._save("collections", convex_id, collection, existing)
        ids = document.get("artworkIds") or []
        if not isinstance(ids, list):
            raise Rejected("artworkIds is not a list")
        collection.items.all().delete()
        position = 0
        for artwork_convex_id in ids:
            try:
                artwork_id = self._mapped_id("artworks", artwork_convex_id, "artwork")
            except Rejected:
                self._note("collections", convex_id, f"artwork {artwork_convex_id!r} left out:"
                           " it was not imported")  # fmt: skip
                continue
            CollectionItem.objects.get_or_create(
                collection=collection, artwork_id=artwork_id, defaults={"position": position}
            )
            position += 1
        return outcome

    def _import_shares(self, document: dict) -> str:
        convex_id = document["_id"]
        artwork_id = self._mapped_id("artworks", document.get("artworkId"), "artwork")
        share = self._existing("shares", convex_id, Share)
        existing = share
        code = document.get("shareCode")
        if not isinstance(code, str) or not code:
            raise Rejected("shareCode is missing")
        share = share or Share(artwork_id=artwork_id)
        if len(code) < MIN_SHARE_CODE:
            if not existing:
                share.code = new_share_code()
                share.revoked_at = timezone.now()
            self._note("shares", convex_id, "code too short to be safe: a new one, revoked")
        else:
            share.code = code
        share.expires_at = (
            when(document["expiresAt"], "expiresAt") if document.get("expiresAt") else None
        )
        max_views = document.get("maxViews")
        share.max_views = int(max_views) if max_views else None
        view_count = max(0, int(document.get("viewCount") or 0))
        if share.max_views is not None and view_count > share.max_views:
            self._note("shares", convex_id, "viewCount above maxViews: clamped (used up)")
            view_count = share.max_views
        share.view_count = view_count
        share.created_at = when(document.get("createdAt"), "createdAt")
        return self._save("shares", convex_id, share, existing)

    def _import_generations(self, document: dict) -> str:
        convex_id = document["_id"]
        user_id = (
            self._mapped_id("users", document["userId"], "user") if document.get("userId") else None
        )
        attempt = self._existing("generations", convex_id, Generation)
        existing = attempt
        attempt = attempt or Generation(user_id=user_id)
        attempt.prompt = text(document, "prompt")
        attempt.model = str(document.get("model") or "unknown")[:200]
        attempt.provider = attempt.model.split("/")[0][:50] if "/" in attempt.model else ""
        attempt.status = (
            Generation.Status.DONE if document.get("success") else Generation.Status.FAILED
        )
        attempt.error = str(document.get("error") or "")
        attempt.duration_ms = max(0, int(document.get("duration") or 0))
        cost = document.get("cost")
        usable = isinstance(cost, (int, float)) and math.isfinite(cost) and 0 <= cost < 1e6
        attempt.cost = Decimal(str(cost)).quantize(Decimal("0.000001")) if usable else None
        attempt.created_at = attempt.finished_at = when(document.get("createdAt"), "createdAt")
        return self._save("generations", convex_id, attempt, existing)

    def _import_artworkEmbeddings(self, document: dict) -> str:
        convex_id = document["_id"]
        artwork_id = self._mapped_id("artworks", document.get("artworkId"), "artwork")
        vector = document.get("embedding")
        if (
            not isinstance(vector, list)
            or len(vector) != EMBEDDING_DIMENSIONS
            or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vector)
        ):
            raise Rejected(f"embedding is not {EMBEDDING_DIMENSIONS} finite numbers")
        model = text(document, "model", limit=200)  # kept: compared only with its own kind
        row = ArtworkEmbedding.objects.filter(artwork_id=artwork_id, model=model).first()
        existing = row
        row = row or ArtworkEmbedding(artwork_id=artwork_id, model=model)
        row.embedding = vector
        row.save()
        self._remember("artworkEmbeddings", convex_id, row)
        return "updated" if existing else "created"

    def _import_files(self, document: dict) -> str:
        convex_id = document["_id"]
        owner_id = self._mapped_id("users", document.get("userId"), "user")
        artwork_id = (
            self._mapped_id("artworks", document["artworkId"], "artwork")
            if document.get("artworkId")
            else None
        )
        if self._existing("files", convex_id, File) is not None:
            return "skipped"  # its bytes are stored already; a file is never replaced
        data = self._blob(document.get("storageId"))
        row = File(owner_id=owner_id, artwork_id=artwork_id,
                   file=ContentFile(data, name=text(document, "filename", limit=255)))  # fmt: skip
        try:
            row.clean()  # an image, checked as an upload is; anything else is refused
        except ValidationError as error:
            raise Rejected("; ".join(error.messages)) from None
        row.created_at = when(document.get("createdAt"), "createdAt")
        if self.dry_run:
            return "created"  # nothing is stored in a dry run
        row.save()  # the object is removed again if the row fails (File.save)
        self._remember("files", convex_id, row)
        return "created"

    def _blob(self, storage_id: object) -> bytes:
        """The stored bytes of a Convex file: `_storage/<id>`, with or without an
        extension."""
        if not isinstance(storage_id, str) or not storage_id or "/" in storage_id:
            raise Rejected("storageId is missing")
        stem = f"_storage/{storage_id}"
        names = [name for name in self.archive.namelist()
                 if name == stem or name.startswith(f"{stem}.")]  # fmt: skip
        if not names:
            raise Rejected(f"its stored file {storage_id!r} is not in the snapshot")
        info = self.archive.getinfo(names[0])
        if info.file_size > settings.UPLOAD_MAX_BYTES:
            raise Rejected("its stored file is larger than uploads may be")
        return self.archive.read(info)


# --- Run from the admin: the snapshot in storage, the import as a job ------------------


def write_report(result: ImportResult, out) -> None:
    """The rejected documents and the rules applied, as CSV (a text stream)."""
    writer = csv.writer(out)
    writer.writerow(["table", "_id", "what happened"])
    for table, convex_id, why in result.rejections:
        writer.writerow([table, convex_id, f"rejected: {why}"])
    for table, convex_id, rule in result.notes:
        writer.writerow([table, convex_id, f"imported: {rule}"])


def run_stored_import(run_id: int) -> ConvexImportRun | None:
    """Import the stored snapshot of a run and store its report; the run says how it
    ended. Safe to run twice: a finished run is left alone (and an import again only
    updates)."""
    run = ConvexImportRun.objects.filter(pk=run_id).first()
    if run is None or run.status in (ConvexImportRun.Status.DONE, ConvexImportRun.Status.FAILED):
        return run
    run.status = ConvexImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    try:
        with tempfile.TemporaryFile() as copy:
            with default_storage.open(run.snapshot, "rb") as stored:
                shutil.copyfileobj(stored, copy)
            copy.seek(0)
            with zipfile.ZipFile(copy) as archive:
                result = ConvexImport(archive, dry_run=run.dry_run).run()
        report = io.StringIO()
        write_report(result, report)
        name = f"imports/{secrets.token_hex(16)}-report.csv"
        run.report = default_storage.save(name, ContentFile(report.getvalue().encode()))
        run.summary = result.summary() + (
            f"\n{len(result.rejections)} rejected, {len(result.notes)} rule(s) applied."
        )
        for warning in result.warnings:
            run.summary += f"\n{warning}"
        run.status = ConvexImportRun.Status.DONE
    except zipfile.BadZipFile:
        run.status, run.summary = ConvexImportRun.Status.FAILED, "The snapshot is not a ZIP file."
    except STORAGE_ERRORS as error:
        run.status = ConvexImportRun.Status.FAILED
        run.summary = f"The snapshot could not be read from storage: {error}"
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "report", "finished_at"])
    return run


@app.task(queue="imports")
def import_convex_snapshot(run_id: int) -> str | None:
    run = run_stored_import(run_id)
    return run.status if run else None
