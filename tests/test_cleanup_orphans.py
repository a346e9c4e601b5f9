"""manage.py cleanup_orphans: stored objects without a File row and rows without their
object are listed, and removed with --delete; files with both are never touched."""

from __future__ import annotations

import io
import os
import secrets
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from config.services import s3_storage
from gallery.models import File
from tests import images
from tests.servers import free_ports
from tests.test_storage import bucket_keys, make_file, object_exists

pytestmark = [pytest.mark.django_db, pytest.mark.storage]


@pytest.fixture(autouse=True)
def empty_uploads(s3):
    """No object left under uploads/ by earlier tests (their rows were rolled back), so
    that the counts in the summary are this test's own."""
    for key in bucket_keys(s3):
        if key.startswith("uploads/"):
            s3.delete_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)


def cleanup(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("cleanup_orphans", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def put_orphan(s3) -> str:
    key = f"uploads/{secrets.token_hex(16)}.png"
    s3.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key, Body=images.still())
    return key


def row_without_object(s3, owner) -> File:
    upload = make_file(owner, images.still(), name="lost.png")
    s3.delete_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=upload.file.name)
    return upload


def test_a_dry_run_lists_both_kinds_and_removes_nothing(s3, owner):
    kept = make_file(owner, images.still(), name="kept.png")
    orphan = put_orphan(s3)
    lost = row_without_object(s3, owner)

    out, err = cleanup("--min-age", "0")

    assert f"object without a row: {orphan}" in out
    assert f"row without an object: File {lost.pk} ({lost.file.name})" in out
    assert kept.file.name not in out
    assert out.splitlines()[-1] == (
        "1 object without a row, 1 row without an object: run with --delete to remove them."
    )
    assert "rows: [" in err and "objects: 2" in err  # the progress, on stderr
    assert object_exists(s3, orphan)
    assert File.objects.filter(pk=lost.pk).exists()
    assert object_exists(s3, kept.file.name) and File.objects.filter(pk=kept.pk).exists()


def test_delete_removes_both_kinds_and_keeps_files_with_both(s3, owner):
    kept = [make_file(owner, images.still(), name=f"kept{n}.png") for n in range(3)]
    orphans = [put_orphan(s3) for _ in range(2)]
    lost = row_without_object(s3, owner)

    out, _ = cleanup("--min-age", "0", "--delete")

    assert out.splitlines()[-1] == "2 objects without a row, 1 row without an object: removed."
    assert not any(object_exists(s3, key) for key in orphans)
    assert not File.objects.filter(pk=lost.pk).exists()
    assert all(object_exists(s3, upload.file.name) for upload in kept)
    assert set(File.objects.values_list("pk", flat=True)) == {upload.pk for upload in kept}
    out, _ = cleanup("--min-age", "0")
    assert out == "0 objects without a row, 0 rows without an object: nothing to remove.\n"


def test_a_fresh_object_without_a_row_is_left_alone(s3, owner):
    # An upload in progress: the object is written a moment before its row.
    fresh = put_orphan(s3)

    out, _ = cleanup("--delete")  # the default --min-age is 60 minutes

    assert "Left alone: 1 object without a row younger than 60 minutes" in out
    assert out.splitlines()[-1] == (
        "0 objects without a row, 0 rows without an object: nothing to remove."
    )
    assert object_exists(s3, fresh)


def test_unreachable_storage_is_a_clear_error(settings, owner):
    (dead_port,) = free_ports(1)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket="nowhere", endpoint_url=f"http://127.0.0.1:{dead_port}"),
    }
    with pytest.raises(CommandError, match="File storage cannot be reached, so nothing was"):
        cleanup("--delete")


def test_a_file_system_storage_is_cleaned_up_too(settings, tmp_path, owner):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    kept = make_file(owner, images.still(), name="kept.png")
    lost = make_file(owner, images.still(), name="lost.png")
    (tmp_path / lost.file.name).unlink()
    old, fresh = tmp_path / "uploads/old.png", tmp_path / "uploads/fresh.gif"
    old.write_bytes(images.still())
    fresh.write_bytes(images.animation())
    two_hours_ago = time.time() - 2 * 3600
    os.utime(old, (two_hours_ago, two_hours_ago))

    out, _ = cleanup("--delete")

    assert "object without a row: uploads/old.png" in out
    assert "Left alone: 1 object without a row" in out
    assert out.splitlines()[-1] == "1 object without a row, 1 row without an object: removed."
    assert not old.exists() and fresh.exists()
    assert (tmp_path / kept.file.name).exists()
    assert set(File.objects.values_list("pk", flat=True)) == {kept.pk}
