"""Import from the original app: a Convex snapshot ZIP built here, as its export writes
them (a folder per table with documents.jsonl), into the gallery."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from accounts.models import ApiKey, User, UserSettings
from gallery import convex_import
from gallery.convex_import import run_stored_import
from gallery.models import (
    Artwork,
    ArtworkEmbedding,
    Collection,
    ConvexImportRun,
    File,
    Generation,
    ImportedRecord,
    Share,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

T0 = "2025-03-01T10:00:00.000Z"
LONG_CODE = "k" * 24


def frames(n: int = 2, width: int = 6) -> list[str]:
    return [f"f{i}".ljust(width, "*") for i in range(n)]


def artwork(_id: str, user: str, visibility: str, **extra) -> dict:
    document = {
        "_id": _id, "userId": user, "prompt": f"{visibility} {_id}", "frames": frames(),
        "metadata": {"width": 6, "height": 1, "fps": 8, "generator": "procedural",
                     "model": "rain", "createdAt": T0},
        "visibility": visibility, "likes": 3, "views": 12, "createdAt": T0, "updatedAt": T0,
    }  # fmt: skip
    document.update(extra)
    return document


def snapshot(tmp_path, tables: dict[str, list], broken_lines: dict[str, str] | None = None):
    path = tmp_path / "snapshot.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for table, documents in tables.items():
            lines = [json.dumps(document) for document in documents]
            lines += [broken_lines[table]] if broken_lines and table in broken_lines else []
            archive.writestr(f"{table}/documents.jsonl", "\n".join(lines) + "\n")
    return path


def realistic() -> dict[str, list]:
    return {
        "users": [
            {"_id": "u1", "clerkId": "user_ada", "email": "ada@example.com", "name": "Ada",
             "createdAt": T0, "updatedAt": T0, "favouriteColour": "green"},
            {"_id": "u2", "clerkId": "user_bob", "email": "bob@example.com", "createdAt": T0,
             "updatedAt": T0},
        ],
        "userSettings": [
            {"_id": "s1", "userId": "u1", "theme": "dark", "defaultVisibility": "private",
             "emailNotifications": False, "updatedAt": T0,
             "apiKeys": [{"name": "mine", "key": "sk-or-secret-1234", "provider": "openrouter",
                          "createdAt": T0}]},
        ],
        "artworks": [
            artwork("a1", "user_ada", "public", featured=True),
            artwork("a2", "user_ada", "unlisted", featured=True),
            artwork("a3", "user_ada", "private"),
            artwork("a4", "user_bob", "public", prompt="Bob's rain"),
        ],
        "collections": [
            {"_id": "c1", "userId": "u1", "name": "Best of", "artworkIds": ["a4", "a1", "a3"],
             "visibility": "public", "createdAt": T0, "updatedAt": T0},
        ],
        "shares": [
            {"_id": "sh1", "artworkId": "a3", "shareCode": LONG_CODE, "maxViews": 5,
             "viewCount": 1, "createdAt": T0},
            {"_id": "sh2", "artworkId": "a1", "shareCode": "abc123", "viewCount": 0,
             "createdAt": T0},
            {"_id": "sh3", "artworkId": "a3", "shareCode": "m" * 24, "maxViews": 2,
             "viewCount": 7, "createdAt": T0},
        ],
        "generations": [
            {"_id": "g1", "userId": "u1", "prompt": "rain", "success": True, "duration": 120,
             "model": "openai/gpt-4o-mini", "cost": 0.002, "createdAt": T0},
        ],
    }  # fmt: skip


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_convex", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_snapshot_imports_completely_and_the_gallery_shows_it(tmp_path, client):
    report = tmp_path / "report.csv"
    out, err = run(snapshot(tmp_path, realistic()), "--report", str(report))
    assert "artworks: 4 created, 0 updated, 0 skipped, 0 rejected" in out
    assert "users.favouriteColour is not known: ignored." in err
    ada = User.objects.get(external_id="user_ada")
    assert ada.email == "ada@example.com" and not ada.has_usable_password()
    assert UserSettings.objects.get(user=ada).theme == "dark"
    assert ApiKey.objects.get(user=ada).key == "sk-or-secret-1234"  # stored encrypted
    # The gallery shows the public artworks, counters as they were, and nothing else.
    home = client.get(reverse("gallery:home")).text
    assert "public a1" in home and "Bob&#x27;s rain" in home
    assert "unlisted a2" not in home and "private a3" not in home
    a1 = Artwork.objects.get(prompt="public a1")
    assert (a1.likes_count, a1.views_count, a1.featured) == (3, 12, True)
    assert a1.created_at.isoformat() == "2025-03-01T10:00:00+00:00"
    # featured is dropped where the artwork is not public.
    assert Artwork.objects.get(prompt="unlisted a2").featured is False
    # The collection keeps its order.
    best = Collection.objects.get(name="Best of")
    assert [item.artwork.prompt for item in best.items.order_by("position")] == [
        "Bob's rain", "public a1", "private a3"]  # fmt: skip
    # A share works; a short code got a fresh one and is revoked; a count is clamped.
    live = Share.objects.get(code=LONG_CODE)
    assert client.get(reverse("gallery:share", args=[LONG_CODE])).status_code == 200
    short = Share.objects.get(artwork__prompt="public a1")
    assert len(short.code) >= 22 and short.revoked_at is not None
    assert Share.objects.get(code="m" * 24).view_count == 2
    assert live.max_views == 5
    assert Generation.objects.get().status == "done"
    rows = list(csv.reader(report.open()))
    assert ["shares", "sh2", "imported: code too short to be safe: a new one, revoked"] in rows
    assert ["artworks", "a2", "imported: featured dropped: only public artworks are"] in rows


def test_a_second_run_changes_nothing_and_a_dry_run_writes_nothing(tmp_path):
    path = snapshot(tmp_path, realistic())
    out, _ = run(path, "--dry-run", "--report", str(tmp_path / "r.csv"))
    assert "Dry run: nothing was written." in out
    assert not Artwork.objects.exists() and not User.objects.exists()
    assert not ImportedRecord.objects.exists()
    run(path, "--report", str(tmp_path / "r.csv"))
    before = {
        "users": User.objects.count(), "artworks": Artwork.objects.count(),
        "items": Collection.objects.get().items.count(), "shares": Share.objects.count(),
        "keys": ApiKey.objects.count(), "generations": Generation.objects.count(),
    }  # fmt: skip
    codes = sorted(Share.objects.values_list("code", flat=True))
    out, _ = run(path, "--report", str(tmp_path / "r.csv"))
    assert "artworks: 0 created, 4 updated, 0 skipped, 0 rejected" in out
    after = {
        "users": User.objects.count(), "artworks": Artwork.objects.count(),
        "items": Collection.objects.get().items.count(), "shares": Share.objects.count(),
        "keys": ApiKey.objects.count(), "generations": Generation.objects.count(),
    }  # fmt: skip
    assert after == before
    assert sorted(Share.objects.values_list("code", flat=True)) == codes


def test_a_verified_email_joins_an_existing_account_and_nothing_else_does(tmp_path):
    mine = make_user(email="ada@example.com", username="ada")
    EmailAddress.objects.create(user=mine, email="ada@example.com", verified=True)
    stranger = make_user(email="bob@example.com", username="bobby")
    EmailAddress.objects.create(user=stranger, email="bob@example.com", verified=False)
    run(snapshot(tmp_path, realistic()), "--report", str(tmp_path / "r.csv"))
    mine.refresh_from_db()
    assert mine.external_id == "user_ada" and mine.artworks.count() == 3
    # An unverified address is no proof: that account is not joined, nor doubled.
    stranger.refresh_from_db()
    assert stranger.external_id is None and not stranger.artworks.exists()
    rows = list(csv.reader((tmp_path / "r.csv").open()))
    assert ["users", "u2", "rejected: an account with this email exists, but its address"
            " is not verified: sign in to it and import again"] in rows  # fmt: skip


def test_broken_rows_are_rejected_with_reasons_and_the_rest_imports(tmp_path):
    tables = realistic()
    tables["artworks"] += [
        artwork("bad-user", "user_nobody", "public"),
        artwork("bad-visibility", "user_ada", "friends-only"),
        artwork("too-many", "user_ada", "public", frames=["x"] * 501),
        artwork("too-wide", "user_ada", "public", frames=["x" * 7]),
    ]
    report = tmp_path / "report.csv"
    out, _ = run(snapshot(tmp_path, tables, {"artworks": "{not json"}), "--report", str(report))
    assert "artworks: 4 created, 0 updated, 0 skipped, 5 rejected" in out
    reasons = {row[1]: row[2] for row in csv.reader(report.open()) if row[0] == "artworks"}
    assert reasons["bad-user"] == "rejected: its user 'user_nobody' was not imported"
    assert "friends-only" in reasons["bad-visibility"]
    assert "at most 500 frames" in reasons["too-many"]
    assert "the width is 6" in reasons["too-wide"]
    assert reasons["line 9"] == "rejected: not a JSON document with an _id"
    assert Artwork.objects.count() == 4


@pytest.mark.storage
def test_a_file_that_is_not_a_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "snapshot.zip"
    path.write_text("not a zip")
    with pytest.raises(CommandError, match="is not a ZIP file"):
        run(path)
    with pytest.raises(CommandError, match="No file or stored object named"):
        run(tmp_path / "missing.zip")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.storage
def test_files_go_to_the_bucket_and_embeddings_keep_their_model(tmp_path, s3):
    tables = realistic()
    tables["files"] = [
        {"_id": "f1", "storageId": "kg2abc", "userId": "u1", "artworkId": "a1",
         "filename": "sunset.png", "mimeType": "image/png", "size": 100, "createdAt": T0},
        {"_id": "f2", "storageId": "kg2pdf", "userId": "u1", "filename": "notes.png",
         "mimeType": "image/png", "size": 9, "createdAt": T0},
        {"_id": "f3", "storageId": "kg2gone", "userId": "u1", "filename": "lost.png",
         "mimeType": "image/png", "size": 9, "createdAt": T0},
    ]  # fmt: skip
    vector = [0.0] * 1536
    vector[7] = 1.0
    tables["artworkEmbeddings"] = [
        {"_id": "e1", "artworkId": "a1", "embedding": vector,
         "model": "text-embedding-3-small", "createdAt": T0},
        {"_id": "e2", "artworkId": "a1", "embedding": [1.0, 2.0], "model": "m",
         "createdAt": T0},
    ]  # fmt: skip
    path = snapshot(tmp_path, tables)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("_storage/kg2abc", png())
        archive.writestr("_storage/kg2pdf.pdf", b"%PDF-1.4 not a picture")
    report = tmp_path / "r.csv"
    out, _ = run(path, "--report", str(report))
    assert "files: 1 created, 0 updated, 0 skipped, 2 rejected" in out
    stored = File.objects.get()
    assert (stored.filename, stored.mime_type, stored.artwork.prompt) == (
        "sunset.png", "image/png", "public a1")  # fmt: skip
    head = s3.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=stored.file.name)
    assert head["ContentLength"] == len(png())
    reasons = {row[1]: row[2] for row in csv.reader(report.open())}
    assert "not a PNG, JPEG, GIF or WebP image" in reasons["f2"]
    assert "is not in the snapshot" in reasons["f3"]
    assert "not 1536 finite numbers" in reasons["e2"]
    kept = ArtworkEmbedding.objects.get()
    assert kept.model == "text-embedding-3-small" and list(kept.embedding)[7] == 1.0
    # Again: nothing doubles, and the file is not stored twice.
    out, _ = run(path, "--report", str(report))
    assert "files: 0 created, 0 updated, 1 skipped, 2 rejected" in out
    assert File.objects.count() == 1 and ArtworkEmbedding.objects.count() == 1


@pytest.mark.storage
def test_staff_import_a_snapshot_from_the_bucket_and_read_the_report(tmp_path, s3,
                                                                     admin_client_):  # fmt: skip
    # The add page offers a form that posts straight to the bucket.
    add = admin_client_.get(reverse("admin:gallery_conveximportrun_add"))
    assert add.status_code == 200
    assert "Upload to the bucket" in add.text and 'name="policy"' in add.text
    assert 'name="success_action_redirect"' in add.text
    # Back from the bucket, the key names the snapshot.
    back = admin_client_.get(reverse("admin:gallery_conveximportrun_add"), {"key": "x.zip"})
    assert 'value="x.zip"' in back.text
    # The browser posts the snapshot to the bucket with the page's form, as it is.
    path = snapshot(tmp_path, realistic(), {"artworks": "{broken"})
    action = re.search(r'<form method="post" action="([^"]+)"', add.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', add.text))
    fields = {name: html.unescape(value) for name, value in fields.items()
              if name != "csrfmiddlewaretoken"}  # fmt: skip
    uploaded = requests.post(html.unescape(action), data=fields, timeout=30,
                             files={"file": ("s.zip", path.read_bytes())},
                             allow_redirects=False)  # fmt: skip
    assert uploaded.status_code == 303, uploaded.text
    back_to = uploaded.headers["Location"]
    assert back_to.startswith("http://testserver" + reverse("admin:gallery_conveximportrun_add"))
    key = parse_qs(urlsplit(back_to).query)["key"][0]
    assert key.startswith("imports/snapshots/") and key.endswith(".zip")
    s3.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)
    response = admin_client_.post(reverse("admin:gallery_conveximportrun_add"),
                                  {"snapshot": key})  # fmt: skip
    assert response.status_code == 302
    run = ConvexImportRun.objects.get()
    assert run.status == "queued" and run.started_by.is_superuser
    run_stored_import(run.pk)  # what the job does
    run.refresh_from_db()
    assert run.status == "done" and "artworks: 4 created" in run.summary
    listing = admin_client_.get(reverse("admin:gallery_conveximportrun_changelist")).text
    link = re.search(r'href="([^"]+)">Download the report', listing).group(1)
    report = requests.get(link.replace("&amp;", "&"), timeout=10)
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    assert "artworks,line 5,rejected: not a JSON document with an _id" in report.text
    assert Artwork.objects.count() == 4


@pytest.mark.storage
def test_a_stored_snapshot_that_is_not_a_zip_fails_the_run_clearly(s3, staff_user):
    s3.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key="imports/bad.zip", Body=b"no")
    run = ConvexImportRun.objects.create(snapshot="imports/bad.zip")
    run_stored_import(run.pk)
    run.refresh_from_db()
    assert (run.status, run.summary) == ("failed", "The snapshot is not a ZIP file.")


def test_a_snapshot_imports_the_same_in_small_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(convex_import, "BATCH", 2)  # many commits, a partial last batch
    out, _ = run(snapshot(tmp_path, realistic(), {"artworks": "{broken"}),
                 "--report", str(tmp_path / "r.csv"))  # fmt: skip
    assert "artworks: 4 created, 0 updated, 0 skipped, 1 rejected" in out
    assert "shares: 3 created" in out
    best = Collection.objects.get(name="Best of")
    assert best.items.count() == 3
