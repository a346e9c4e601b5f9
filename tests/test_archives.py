"""Download everything (accounts/archives.py): a job builds a ZIP of the creator's
artworks (their JSON exports) and collections (in order) into S3; only they can
download it; one per hour; housekeeping and account deletion remove it."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts import archives
from accounts.deletion import delete_account
from gallery.exports import render_json
from tests.factories import make_artwork, make_collection, sign_in_and_reauthenticate
from tests.workers import run_worker

pytestmark = pytest.mark.storage

BASE_URL = "http://testserver/"
ARCHIVE_PAGE = reverse("accounts:archive")
BUILD = reverse("accounts:archive_build")


@pytest.fixture(autouse=True)
def _no_archives_left(owner, other_user):
    yield
    archives.delete_archives(owner.pk)
    archives.delete_archives(other_user.pk)


def build(user) -> archives.Archive:
    name = archives.build_archive(user_id=user.pk, base_url=BASE_URL)
    (found,) = archives.user_archives(user.pk)
    assert found.name == name
    return found


def read_zip(archive: archives.Archive) -> zipfile.ZipFile:
    with default_storage.open(archive.name, "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def download_url(archive: archives.Archive) -> str:
    return reverse("accounts:archive_download", args=[archive.filename])


def state_of(page: str) -> str | None:
    for state in ("queued", "ready", "failed"):
        if f'data-state="{state}"' in page:
            return state
    return None


@pytest.mark.django_db
def test_the_zip_holds_every_artworks_json_export_and_the_collections_in_order(owner, other_user):
    public = make_artwork(owner, prompt="a public one")
    unlisted = make_artwork(owner, visibility="unlisted", frames=["ab", "ba"], width=2)
    private = make_artwork(owner, visibility="private", prompt="ünïcode ✓")
    theirs = make_artwork(other_user)
    make_collection(owner, [private, public, unlisted], name="Mine", description="In order")
    make_collection(owner, [], name="Empty", visibility="private")
    make_collection(other_user, [theirs], name="Theirs")

    with read_zip(build(owner)) as zf:
        names = set(zf.namelist())
        assert names == {
            "artworks.json",
            "collections.json",
            *(f"artworks/{art.public_id}.json" for art in (public, unlisted, private)),
        }
        for art in (public, unlisted, private):
            art.refresh_from_db()
            entry = zf.read(f"artworks/{art.public_id}.json").decode()
            assert entry == render_json(art, f"http://testserver{art.get_absolute_url()}")
        index = json.loads(zf.read("artworks.json"))
        collections = json.loads(zf.read("collections.json"))

    assert [row["id"] for row in index] == [public.public_id, unlisted.public_id, private.public_id]
    assert index[2] == {
        "id": private.public_id,
        "prompt": "ünïcode ✓",
        "visibility": "private",
        "created": private.created_at.isoformat(),
    }
    assert [(c["name"], c["description"], c["visibility"], c["artworks"]) for c in collections] == [
        ("Mine", "In order", "public", [private.public_id, public.public_id, unlisted.public_id]),
        ("Empty", "", "private", []),
    ]


@pytest.mark.django_db
def test_a_new_archive_replaces_the_older_one_under_an_unguessable_name(owner):
    first = build(owner)
    second = build(owner)
    assert archives.user_archives(owner.pk) == [second]
    assert not default_storage.exists(first.name)
    assert second.name.startswith(f"archives/{owner.pk}/")
    assert archives.NAME_RE.match(second.filename)
    assert first.filename.split("-", 1)[1] != second.filename.split("-", 1)[1]


@pytest.mark.django_db
def test_only_its_creator_can_download_the_archive(client, owner, other_user):
    make_artwork(owner)
    archive = build(owner)
    url = download_url(archive)

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(other_user)
    assert client.get(url).status_code == 404
    build(other_user)  # having one of their own changes nothing
    assert client.get(url).status_code == 404

    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 302  # a signed URL on S3, short-lived
    signed = response["Location"]
    assert "Expires=60" in signed or "X-Amz-Expires=60" in signed
    with urllib.request.urlopen(signed) as s3_response:
        assert "attachment" in s3_response.headers["Content-Disposition"]
        assert s3_response.headers["Content-Type"] == "application/zip"
        assert zipfile.ZipFile(io.BytesIO(s3_response.read())).testzip() is None
    assert client.get(url.replace(".zip", "x.zip")).status_code == 404


@pytest.mark.django_db
def test_without_s3_the_archive_is_streamed_as_an_attachment(client, owner, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    make_artwork(owner)
    archive = build(owner)
    client.force_login(owner)
    response = client.get(download_url(archive))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert "artworks.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()


@pytest.mark.django_db
def test_asking_queues_one_job_and_the_page_says_queued(
    client, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    page = client.get(ARCHIVE_PAGE)
    assert page.status_code == 200
    assert state_of(page.text) is None
    assert "Download everything" in client.get(reverse("accounts:settings")).text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BUILD)
    assert response.status_code == 302
    jobs = ProcrastinateJob.objects.filter(task_name=archives.build_archive.name)
    assert list(jobs.values_list("args", "status")) == [
        ({"user_id": owner.pk, "base_url": BASE_URL}, "todo")
    ]
    page = client.get(ARCHIVE_PAGE).text
    assert state_of(page) == "queued"
    assert 'http-equiv="refresh"' in page
    assert BUILD not in page

    # Asked again while queued: no second job, and it does not count as a new archive.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(BUILD).status_code == 302
    assert jobs.count() == 1


@pytest.mark.django_db
def test_one_archive_per_hour(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(BUILD).status_code == 302
    ProcrastinateJob.objects.filter(task_name=archives.build_archive.name)._raw_delete("default")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BUILD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= archives.ARCHIVE_RATE_WINDOW
    assert not ProcrastinateJob.objects.filter(task_name=archives.build_archive.name).exists()


@pytest.mark.django_db
def test_the_build_needs_a_signed_in_post(client, owner):
    assert client.post(BUILD).status_code == 302  # to the login page
    client.force_login(owner)
    assert client.get(BUILD).status_code == 405


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_job_queue")
def test_the_page_shows_queued_then_ready_once_the_worker_ran(client, owner, s3_server):
    art = make_artwork(owner, visibility="private")
    client.force_login(owner)
    client.post(BUILD)
    assert state_of(client.get(ARCHIVE_PAGE).text) == "queued"

    run_worker(
        "--queues=exports",
        AWS_STORAGE_BUCKET_NAME=s3_server.bucket,
        AWS_S3_ENDPOINT_URL=s3_server.endpoint_url,
        AWS_S3_REGION_NAME=s3_server.region,
        AWS_ACCESS_KEY_ID=s3_server.access_key,
        AWS_SECRET_ACCESS_KEY=s3_server.secret_key,
    )
    page = client.get(ARCHIVE_PAGE).text
    assert state_of(page) == "ready"
    (archive,) = archives.user_archives(owner.pk)
    assert download_url(archive) in page
    with read_zip(archive) as zf:
        assert f"artworks/{art.public_id}.json" in zf.namelist()


@pytest.mark.django_db
def test_housekeeping_deletes_archives_older_than_a_week(owner, other_user):
    fresh = build(owner)
    old_name = f"archives/{other_user.pk}/20200101T000000Z-{'a' * 22}.zip"
    default_storage.save(old_name, ContentFile(b"old"))
    assert archives.delete_expired_archives() == 1
    assert archives.user_archives(other_user.pk) == []
    assert archives.user_archives(owner.pk) == [fresh]

    later = timezone.now() + timedelta(days=archives.ARCHIVE_KEEP_DAYS, minutes=1)
    assert archives.delete_expired_archives(now=later) == 1
    assert archives.user_archives(owner.pk) == []


@pytest.mark.django_db
def test_deleting_the_account_removes_the_archive(
    client, owner, s3, s3_server, django_capture_on_commit_callbacks
):
    archive = build(owner)
    assert s3.head_object(Bucket=s3_server.bucket, Key=archive.name)
    sign_in_and_reauthenticate(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(owner)
    listed = s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=f"archives/{owner.pk}/")
    assert listed.get("KeyCount", 0) == 0


@pytest.mark.django_db
def test_the_daily_housekeeping_job_deletes_expired_archives(other_user):
    from gallery import tasks

    assert "delete_expired_archives" in {
        task.task.name.rsplit(".", 1)[-1]
        for task in tasks.app.periodic_registry.periodic_tasks.values()
    }
    default_storage.save(
        f"archives/{other_user.pk}/20200101T000000Z-{'b' * 22}.zip", ContentFile(b"old")
    )
    assert tasks.delete_expired_archives(timestamp=0) == 1
    assert archives.user_archives(other_user.pk) == []
