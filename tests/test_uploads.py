"""Creators upload pictures in the studio, convert them to ASCII animations, download
and delete them: against the real SeaweedFS server, as a creator would notice."""

from __future__ import annotations

import json

import pytest
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.urls import reverse

from accounts.deletion import delete_account
from gallery import uploads
from gallery.files import human_size
from gallery.models import Artwork, File, Generation
from tests import images, workers
from tests.factories import make_artwork
from tests.servers import SeaweedS3
from tests.test_storage import bucket_keys, object_exists

pytestmark = [pytest.mark.django_db, pytest.mark.storage]

FILES = reverse("gallery:studio_files")


def upload(client, data: bytes, name: str = "picture.png"):
    return client.post(FILES, {"file": SimpleUploadedFile(name, data, "image/png")})


@pytest.fixture
def creator(client, owner):
    client.force_login(owner)
    return owner


def uploaded(client, data: bytes | None = None, name: str = "picture.png") -> File:
    response = upload(client, data or images.still(), name)
    assert response.status_code == 302, response.text
    return File.objects.latest("id")


def test_an_upload_lands_in_the_bucket_and_the_row_matches_it(s3, client, creator):
    data = images.still((400, 300), kind="JPEG")
    response = upload(client, data, "Beach at noon.jpg")
    file = File.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:studio_file", args=[file.pk])
    stored = s3.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=file.file.name)
    assert stored["ContentType"] == "image/jpeg"
    assert stored["ContentLength"] == len(data) == file.size
    assert (file.owner, file.filename, file.mime_type) == (
        creator,
        "Beach at noon.jpg",
        "image/jpeg",
    )
    assert (file.width, file.height, file.frame_count) == (400, 300, 1)
    assert file.file.name.startswith("uploads/") and "Beach" not in file.file.name
    # The files page lists it with its thumbnail, size and date.
    page = client.get(FILES)
    assert "Beach at noon.jpg" in page.text
    assert "JPEG · " in page.text and "400×300" in page.text
    assert reverse("gallery:studio_file_thumbnail", args=[file.pk]) in page.text
    thumbnail = client.get(reverse("gallery:studio_file_thumbnail", args=[file.pk]))
    assert thumbnail["Content-Type"] == "image/webp" and thumbnail.content[:4] == b"RIFF"


def test_the_files_page_shows_an_empty_state_and_the_usage(client, creator, settings):
    settings.UPLOAD_QUOTA_BYTES = 10 * 1024 * 1024
    page = client.get(FILES)
    assert page.status_code == 200
    assert "No pictures yet" in page.text
    assert "0 bytes of 10 MB used" in page.text


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"just some text", "notes.png", "not a PNG, JPEG, GIF or WebP image"),
        (images.still(kind="GIF"), "cat.png", "ends in .png but the file is a GIF image"),
        (images.with_zip_after(images.still()), "a.png", "holds more than an image"),
        (images.gif_with_script_comment(), "a.gif", "holds more than an image"),
        (b"", "empty.png", "The file is empty"),
        (images.animation(frames=5)[:-40], "cut.gif", "incomplete"),
    ],
    ids=["not-an-image", "lying-extension", "polyglot-zip", "polyglot-script", "empty",
         "truncated-gif"],
)  # fmt: skip
def test_bad_uploads_get_a_clear_message_and_change_nothing(s3, client, creator, data, name,
                                                            message):  # fmt: skip
    before = bucket_keys(s3)
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in response.text
    assert not File.objects.exists()
    assert bucket_keys(s3) == before


def test_an_upload_over_the_size_limit_is_refused(s3, client, creator, settings):
    settings.UPLOAD_MAX_BYTES = 20_000
    before = bucket_keys(s3)
    response = upload(client, images.noise((100, 100)), "big.png")
    assert response.status_code == 400
    assert "The file is larger than 19.5 KB." in response.text
    assert not File.objects.exists() and bucket_keys(s3) == before


def test_a_decompression_bomb_is_refused(s3, client, creator, settings):
    settings.UPLOAD_MAX_PIXELS = 100_000
    before = bucket_keys(s3)
    response = upload(client, images.plain(size=(1000, 1000)), "bomb.png")
    assert response.status_code == 400
    assert "too many pixels to convert (1,000,000; the limit is 100,000)" in response.text
    assert not File.objects.exists() and bucket_keys(s3) == before


def test_an_upload_over_the_quota_is_refused_and_the_usage_is_shown(s3, client, creator,
                                                                   settings):  # fmt: skip
    first = images.still()
    settings.UPLOAD_QUOTA_BYTES = len(first) + 100
    uploaded(client, first)
    before = bucket_keys(s3)
    response = upload(client, images.still(colour=(0, 200, 0)), "second.png")
    assert response.status_code == 400
    assert "does not fit in your storage" in response.text
    assert File.objects.count() == 1 and bucket_keys(s3) == before
    used = f"{human_size(len(first))} of {human_size(len(first) + 100)} used"
    assert used in client.get(FILES).text


def test_uploads_over_the_rate_limit_get_a_429(s3, client, creator, settings):
    settings.UPLOAD_RATE_LIMIT = 2
    uploaded(client)
    uploaded(client)
    before = bucket_keys(s3)
    response = upload(client, images.still(), "third.png")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many uploads" in response.text
    assert File.objects.count() == 2 and bucket_keys(s3) == before


@pytest.fixture
def halted_storage(settings):
    """A SeaweedFS of this test's own, stopped: storage that does not answer."""
    from config.services import s3_storage

    server = SeaweedS3(bucket="halted").start()
    server.halt()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket="halted", endpoint_url=server.endpoint_url,
                              access_key=server.access_key, secret_key=server.secret_key),
    }  # fmt: skip
    yield server
    server.stop()


@pytest.mark.slow
def test_with_storage_stopped_an_upload_fails_clearly_and_browsing_works(
    client, creator, halted_storage
):
    make_artwork(creator, visibility="public", prompt="still here")
    response = upload(client, images.still(), "picture.png")
    assert response.status_code == 503
    assert "File storage cannot be reached right now, so nothing was saved" in response.text
    assert not File.objects.exists()
    assert client.get(FILES).status_code == 200
    assert "still here" in client.get(reverse("gallery:home")).text


def test_a_database_failure_after_storing_removes_the_object(s3, creator):
    before = bucket_keys(s3)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN"
            " RAISE EXCEPTION 'database says no'; END $$ LANGUAGE plpgsql;"
            " CREATE TRIGGER refuse BEFORE INSERT ON gallery_file"
            " FOR EACH ROW EXECUTE FUNCTION refuse();"
        )
    with pytest.raises(DatabaseError):
        uploads.store_upload(creator, SimpleUploadedFile("a.png", images.still()))
    assert bucket_keys(s3) == before


# --- Converting --------------------------------------------------------------------


def convert_data(**options) -> dict:
    data = {"width": 40, "charset": "standard", "brightness": 0, "contrast": 0}
    data.update(options)
    return {k: v for k, v in data.items() if v is not False}


def test_a_converted_picture_opens_in_the_editor_and_is_linked_once_saved(client, creator):
    file = uploaded(client, images.still((400, 300)), "sunset-beach.png")
    page = client.get(reverse("gallery:studio_file", args=[file.pk]))
    assert page.status_code == 200 and "Convert to ASCII" in page.text
    preview = client.get(
        reverse("gallery:studio_file_preview", args=[file.pk]), convert_data(width=40)
    ).json()
    response = client.post(
        reverse("gallery:studio_file", args=[file.pk]), {**convert_data(), "action": "convert"}
    )
    attempt = Generation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('gallery:studio_new')}?generation={attempt.pk}"
    assert attempt.provider == "image" and attempt.status == "done"
    # The preview matches the result.
    assert attempt.result["frames"] == preview["frames"]
    assert (attempt.result["width"], preview["width"]) == (40, 40)
    editor = client.get(response["Location"])
    assert editor.status_code == 200
    form = editor.context["form"]
    assert form.initial["prompt"] == "sunset beach"
    assert form.initial["from_file"] == file.pk
    saved = client.post(
        reverse("gallery:studio_new"),
        {
            "prompt": "Sunset over the beach",
            "frames_text": form.initial["frames_text"],
            "width": form.initial["width"],
            "height": form.initial["height"],
            "fps": form.initial["fps"],
            "visibility": "private",
            "generator": "image",
            "from_file": file.pk,
        },
    )
    assert saved.status_code == 302
    artwork = Artwork.objects.get()
    assert artwork.frames == preview["frames"]
    assert artwork.generator == "image"
    file.refresh_from_db()
    assert file.artwork == artwork


def test_the_page_without_javascript_previews_the_options_posted(client, creator):
    file = uploaded(client, images.still((400, 300)))
    url = reverse("gallery:studio_file", args=[file.pk])
    plain = client.post(url, {**convert_data(width=30), "action": "preview"})
    inverted = client.post(url, {**convert_data(width=30, invert="on"), "action": "preview"})
    assert plain.status_code == inverted.status_code == 200
    assert plain.context["preview"].width == 30
    assert plain.context["preview"].frames != inverted.context["preview"].frames
    assert not Generation.objects.exists()  # previews convert nothing for good


def test_an_animated_gif_becomes_frames_at_its_speed(client, creator):
    file = uploaded(client, images.animation(frames=5, delay_ms=100), "ball.gif")
    assert file.frame_count == 5
    client.post(reverse("gallery:studio_file", args=[file.pk]),
                {**convert_data(width=20), "action": "convert"})  # fmt: skip
    result = Generation.objects.get().result
    assert (len(result["frames"]), result["fps"]) == (5, 10)


@pytest.mark.parametrize(
    "options",
    [{"width": 0}, {"width": 301}, {"width": "wide"}, {"charset": "emoji"},
     {"brightness": 200}],
)  # fmt: skip
def test_bad_options_are_a_400_and_convert_nothing(client, creator, options):
    file = uploaded(client)
    url = reverse("gallery:studio_file", args=[file.pk])
    response = client.post(url, {**convert_data(**options), "action": "convert"})
    assert response.status_code == 400
    assert not Generation.objects.exists()
    preview = client.get(reverse("gallery:studio_file_preview", args=[file.pk]),
                         convert_data(**options))  # fmt: skip
    assert preview.status_code == 400 and preview.json()["error"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_job_queue")
def test_a_large_conversion_runs_as_a_job_with_the_progress_page(
    client, creator, monkeypatch, s3_server
):
    monkeypatch.setattr(uploads, "INLINE_WORK_LIMIT", 1000)
    file = uploaded(client, images.animation(frames=5), "ball.gif")
    preview = client.get(reverse("gallery:studio_file_preview", args=[file.pk]),
                         convert_data(width=20)).json()  # fmt: skip
    assert preview["partial"] is True and len(preview["frames"]) == 1
    response = client.post(reverse("gallery:studio_file", args=[file.pk]),
                           {**convert_data(width=20), "action": "convert"})  # fmt: skip
    attempt = Generation.objects.get()
    assert response["Location"] == reverse("gallery:studio_generation", args=[attempt.pk])
    assert attempt.status == "queued"
    progress = client.get(response["Location"])
    assert progress.status_code == 200 and "Converting" in progress.text
    workers.run_worker(
        "--queues", "conversion",
        AWS_STORAGE_BUCKET_NAME=s3_server.bucket,
        AWS_S3_ENDPOINT_URL=s3_server.endpoint_url,
        AWS_ACCESS_KEY_ID=s3_server.access_key,
        AWS_SECRET_ACCESS_KEY=s3_server.secret_key,
    )  # fmt: skip
    attempt.refresh_from_db()
    assert attempt.status == "done", attempt.error
    assert len(attempt.result["frames"]) == 5
    done = client.get(response["Location"])
    assert done["Location"] == f"{reverse('gallery:studio_new')}?generation={attempt.pk}"


# --- Download, delete, and other people's files --------------------------------------


def test_download_is_a_short_lived_signed_url_that_saves_the_file(client, creator):
    data = images.still()
    file = uploaded(client, data, "My picture.png")
    response = client.get(reverse("gallery:studio_file_download", args=[file.pk]))
    assert response.status_code == 302
    assert "X-Amz-Expires=60&" in response["Location"]
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.content == data
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    assert "My picture.png" in fetched.headers["Content-Disposition"]


@pytest.mark.django_db
def test_on_local_storage_download_is_an_attachment_never_sniffed(client, owner, settings,
                                                                  tmp_path):  # fmt: skip
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    client.force_login(owner)
    data = images.still()
    file = uploaded(client, data, "local.png")
    response = client.get(reverse("gallery:studio_file_download", args=[file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == 'attachment; filename="local.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_delete_removes_the_row_and_the_object(s3, client, creator):
    file = uploaded(client)
    key = file.file.name
    page = client.get(reverse("gallery:studio_file_delete", args=[file.pk]))
    assert "Delete this picture?" in page.text
    assert object_exists(s3, key)
    response = client.post(reverse("gallery:studio_file_delete", args=[file.pk]))
    assert response.status_code == 302
    assert not File.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_object_once_committed(s3, client, owner):
    client.force_login(owner)
    file = uploaded(client)
    key = file.file.name
    client.post(reverse("gallery:studio_file_delete", args=[file.pk]))
    assert not object_exists(s3, key)


@pytest.mark.django_db(transaction=True)
def test_account_deletion_removes_the_uploads_objects(s3, client, owner):
    client.force_login(owner)
    keys = [uploaded(client).file.name, uploaded(client, images.animation(), "b.gif").file.name]
    delete_account(owner)
    assert not any(object_exists(s3, key) for key in keys)


@pytest.mark.parametrize(
    "name", ["studio_file", "studio_file_preview", "studio_file_download",
             "studio_file_thumbnail", "studio_file_delete"],
)  # fmt: skip
def test_other_people_cannot_see_download_or_delete_my_files(client, owner, other_user, name):
    client.force_login(owner)
    file = uploaded(client)
    client.force_login(other_user)
    url = reverse(f"gallery:{name}", args=[file.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "convert", **convert_data()}).status_code in (404, 405)
    assert File.objects.filter(pk=file.pk).exists()
    assert not Generation.objects.exists()
    theirs = client.get(FILES)
    assert theirs.status_code == 200 and "No pictures yet" in theirs.text
    assert "picture.png" not in theirs.text
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("account_login"))


def test_the_json_preview_carries_frames_the_editor_can_play(client, creator):
    file = uploaded(client, images.animation(frames=3), "ball.gif")
    answer = client.get(reverse("gallery:studio_file_preview", args=[file.pk]),
                        convert_data(width=16, charset="blocks"))  # fmt: skip
    data = json.loads(answer.content)
    assert answer["Content-Type"] == "application/json"
    assert (len(data["frames"]), data["width"], data["partial"]) == (3, 16, False)


def test_the_new_artwork_page_can_start_from_a_picture(client, creator):
    editor = client.get(reverse("gallery:studio_new"))
    assert f'action="{FILES}"' in editor.text and 'enctype="multipart/form-data"' in editor.text
    response = upload(client, images.still(), "from-the-editor.png")
    file = File.objects.get()
    assert response["Location"] == reverse("gallery:studio_file", args=[file.pk])


def test_a_conversion_whose_picture_was_deleted_fails_clearly(client, creator, monkeypatch):
    monkeypatch.setattr(uploads, "INLINE_WORK_LIMIT", 1000)  # left for the job
    file = uploaded(client, images.animation(frames=5), "ball.gif")
    client.post(reverse("gallery:studio_file", args=[file.pk]),
                {**convert_data(width=20), "action": "convert"})  # fmt: skip
    attempt = Generation.objects.get()
    client.post(reverse("gallery:studio_file_delete", args=[file.pk]))
    uploads.run_conversion(attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == "failed"
    page = client.get(reverse("gallery:studio_generation", args=[attempt.pk]))
    assert "Conversion failed" in page.text
    assert "The file was deleted before it could be converted." in page.text
    assert f'href="{FILES}">Try again' in page.text


def test_conversions_do_not_use_up_the_generation_limit(client, creator, settings):
    from tests.test_studio import generate_data

    settings.GENERATION_RATE_LIMIT = 1
    file = uploaded(client)
    for _ in range(3):
        client.post(reverse("gallery:studio_file", args=[file.pk]),
                    {**convert_data(), "action": "convert"})  # fmt: skip
    response = client.post(reverse("gallery:studio_generate"), generate_data())
    assert response.status_code == 302
    assert Generation.objects.filter(provider="procedural").count() == 1


def test_opening_a_picture_is_free_and_previews_and_conversions_have_limits(
    client, creator, settings
):
    settings.CONVERSION_PREVIEW_RATE_LIMIT = 2
    settings.CONVERSION_RATE_LIMIT = 1
    file = uploaded(client)
    url = reverse("gallery:studio_file", args=[file.pk])
    preview_url = reverse("gallery:studio_file_preview", args=[file.pk])
    for _ in range(5):
        assert client.get(url).status_code == 200  # looking costs nothing
    assert client.get(preview_url, convert_data()).status_code == 200
    assert client.post(url, {**convert_data(), "action": "preview"}).status_code == 200
    over = client.get(preview_url, convert_data())
    assert over.status_code == 429 and int(over["Retry-After"]) > 0
    assert "Too many previews" in over.json()["error"]
    # Previews used up, converting still works, once.
    assert client.post(url, {**convert_data(), "action": "convert"}).status_code == 302
    refused = client.post(url, {**convert_data(), "action": "convert"})
    assert refused.status_code == 429
    assert "limit of 1 conversions for now, so nothing was done" in refused.text
    assert Generation.objects.count() == 1


def test_a_preview_too_big_to_send_whole_shows_the_first_frame(client, creator, monkeypatch):
    monkeypatch.setattr(uploads, "PREVIEW_MAX_CELLS", 20 * 5 * 4)  # 4 frames of 20x5
    file = uploaded(client, images.animation(frames=5, size=(80, 40)), "ball.gif")
    answer = client.get(reverse("gallery:studio_file_preview", args=[file.pk]),
                        convert_data(width=20, charset="blocks")).json()  # fmt: skip
    assert answer["partial"] is True and len(answer["frames"]) == 1
    raw = client.get(reverse("gallery:studio_file_preview", args=[file.pk]),
                     convert_data(width=20, charset="blocks")).content  # fmt: skip
    assert "█".encode() in raw and b"\\u2588" not in raw


def test_a_conversion_with_settings_from_another_version_fails_clearly(client, creator):
    file = uploaded(client)
    attempt = Generation.objects.create(
        user=creator, prompt="old", provider="image", model="image",
        request={"file": file.pk, "options": {"width": 40, "colour": "sepia"}},
    )  # fmt: skip
    uploads.run_conversion(attempt.pk)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.error) == (
        "failed", "The conversion's settings were not understood; start it again."
    )  # fmt: skip


def test_from_file_links_only_a_new_artwork_to_a_free_picture(client, creator):
    file = uploaded(client)
    first = make_artwork(creator)
    File.objects.filter(pk=file.pk).update(artwork=first)
    data = {"prompt": "Again", "frames_text": "o", "fps": 8, "visibility": "private",
            "from_file": file.pk}  # fmt: skip
    client.post(reverse("gallery:studio_new"), data)
    client.post(reverse("gallery:studio_edit", args=[first.public_id]), data)
    file.refresh_from_db()
    assert file.artwork == first  # neither the new artwork nor an edit took it


def test_conversions_are_named_as_such_and_leave_the_recent_generations_alone(
    client, creator, monkeypatch
):
    monkeypatch.setattr(uploads, "INLINE_WORK_LIMIT", 1000)  # left for the job
    file = uploaded(client, images.animation(frames=3), "ball.gif")
    client.post(reverse("gallery:studio_file", args=[file.pk]),
                {**convert_data(width=20), "action": "convert"})  # fmt: skip
    attempt = Generation.objects.get()
    assert attempt.model == "image"
    progress = client.get(reverse("gallery:studio_generation", args=[attempt.pk]))
    assert "<h1>Converting…</h1>" in progress.text and "Picture:" in progress.text
    uploads.run_conversion(attempt.pk)
    done = client.get(reverse("gallery:studio_generation", args=[attempt.pk]), follow=True)
    assert "Converted. Review the frames, then save." in done.text
    assert "Recent generations" not in client.get(reverse("gallery:studio")).text
