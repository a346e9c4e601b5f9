"""Django admin: every model is manageable by staff and closed to everyone else."""

from __future__ import annotations

import re

import pytest
import requests
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiKey, UserSettings
from gallery.models import ArtworkEmbedding, ConvexImportRun, File, Generation, Like, Share
from tests import images
from tests.factories import make_artwork, make_collection, make_share, make_user
from tests.test_storage import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.storage]


@pytest.fixture
def one_of_each(owner):
    artwork = make_artwork(owner, prompt="A lighthouse blinking in the fog")
    upload = File(owner=owner, artwork=artwork, file=ContentFile(png_bytes(), name="a.png"))
    upload.full_clean()
    upload.save()
    objects = [
        owner,
        UserSettings.objects.create(user=owner),
        ApiKey.objects.create(user=owner, name="mine", provider="openai", key="sk-test-1234"),
        artwork,
        ArtworkEmbedding.objects.create(artwork=artwork, embedding=[0.1] * 1536, model="e1"),
        make_collection(owner, artworks=[artwork]),
        make_share(artwork, max_views=3),
        Generation.objects.create(
            user=owner, prompt="fog", model="procedural", status="done", duration_ms=12
        ),
        upload,
        Like.objects.create(user=make_user(), artwork=artwork),
        ConvexImportRun.objects.create(snapshot="imports/snapshots/s.zip", started_by=owner),
    ]
    registered = {
        model for model in admin.site._registry if model._meta.app_label in {"accounts", "gallery"}
    }
    assert registered == {type(obj) for obj in objects}, "every registered model gets an object"
    return objects


def admin_urls(obj) -> list[str]:
    meta = obj._meta
    prefix = f"admin:{meta.app_label}_{meta.model_name}"
    return [
        reverse(f"{prefix}_changelist"),
        reverse(f"{prefix}_add"),
        reverse(f"{prefix}_change", args=[obj.pk]),
    ]


def test_every_admin_page_answers_200_to_a_superuser(client, superuser, one_of_each):
    client.force_login(superuser)
    for obj in one_of_each:
        for url in admin_urls(obj):
            assert client.get(url).status_code == 200, url


def test_allauth_admin_pages_answer_200(client, superuser):
    client.force_login(superuser)
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label in {"account", "socialaccount"}:
            prefix = f"admin:{meta.app_label}_{meta.model_name}"
            assert client.get(reverse(f"{prefix}_changelist")).status_code == 200, prefix


def test_every_admin_page_sends_anonymous_visitors_to_log_in(client, one_of_each):
    for obj in one_of_each:
        for url in admin_urls(obj):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login"))


def test_admin_is_closed_to_signed_in_non_staff(client, other_user, one_of_each):
    client.force_login(other_user)
    response = client.get(reverse("admin:gallery_artwork_changelist"))
    assert response.status_code == 302


def test_admin_search_finds_artworks_by_prompt_and_owner_email(client, superuser, one_of_each):
    client.force_login(superuser)
    url = reverse("admin:gallery_artwork_changelist")
    assert "lighthouse blinking" in client.get(url, {"q": "lighthouse"}).text
    assert "lighthouse blinking" in client.get(url, {"q": "owner@example.com"}).text
    nothing = client.get(url, {"q": "volcano"})
    assert nothing.status_code == 200
    assert "0 results" in nothing.text  # the search ran and found nothing
    assert "lighthouse blinking" not in nothing.text


def test_artwork_change_page_previews_the_first_frame(client, superuser):
    artwork = make_artwork(frames=["/\\_/\\\n( o.o )", "frame two"], width=9, height=2)
    client.force_login(superuser)
    page = client.get(reverse("admin:gallery_artwork_change", args=[artwork.pk])).text
    assert "( o.o )" in page


def test_api_keys_show_only_their_last_four_characters(client, superuser, owner):
    key = ApiKey.objects.create(user=owner, name="k", provider="openrouter", key="sk-or-SECRETabcd")
    client.force_login(superuser)
    for url in admin_urls(key)[::2]:
        page = client.get(url).text
        assert "....abcd" in page
        assert "SECRET" not in page


def run_action(client, model_name: str, action: str, objects, app: str = "gallery"):
    response = client.post(
        reverse(f"admin:{app}_{model_name}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )
    assert response.status_code == 200
    return response


def test_feature_and_unfeature_actions(client, superuser, owner):
    public = make_artwork(owner)
    private = make_artwork(owner, visibility="private")
    client.force_login(superuser)
    run_action(client, "artwork", "feature", [public, private])
    public.refresh_from_db()
    private.refresh_from_db()
    assert public.featured and not private.featured  # only public artworks are featured
    run_action(client, "artwork", "unfeature", [public])
    public.refresh_from_db()
    assert not public.featured


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private"])
def test_visibility_actions(client, superuser, owner, visibility):
    artworks = [make_artwork(owner, visibility=v) for v in ("public", "unlisted", "private")]
    client.force_login(superuser)
    run_action(client, "artwork", f"make_{visibility}", artworks)
    assert {a.visibility for a in type(artworks[0]).objects.filter(owner=owner)} == {visibility}


def test_revoke_action_revokes_shares_but_keeps_them(client, superuser):
    live, other = make_share(), make_share()
    client.force_login(superuser)
    run_action(client, "share", "revoke", [live])
    live.refresh_from_db()
    other.refresh_from_db()
    assert live.status == Share.Status.REVOKED
    assert other.status == Share.Status.LIVE
    assert Share.objects.count() == 2


def test_share_status_filter(client, superuser):
    live = make_share()
    revoked = make_share()
    Share.objects.filter(pk=revoked.pk).revoke()
    client.force_login(superuser)
    url = reverse("admin:gallery_share_changelist")
    live_page = client.get(url, {"status": "live"}).text
    ended_page = client.get(url, {"status": "ended"}).text
    assert live.code[:10] in live_page and revoked.code[:10] not in live_page
    assert revoked.code[:10] in ended_page and live.code[:10] not in ended_page


def test_adding_an_api_key_in_admin_encrypts_it(client, superuser, owner):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_apikey_add"),
        {
            "user": owner.pk,
            "name": "From admin",
            "provider": "anthropic",
            "base_url": "",
            "new_key": "sk-ant-admin-9876",
        },
    )
    assert response.status_code == 302
    key = ApiKey.objects.get(name="From admin")
    assert key.key == "sk-ant-admin-9876" and key.last4 == "9876"


def test_adding_a_non_image_file_in_admin_is_refused(client, superuser, owner):
    client.force_login(superuser)
    upload = ContentFile(b"%PDF-1.4 not an image", name="paper.png")
    response = client.post(
        reverse("admin:gallery_file_add"), {"owner": owner.pk, "filename": "", "file": upload}
    )
    assert response.status_code == 200
    assert "not a PNG, JPEG, GIF or WebP image" in response.text
    assert not File.objects.exists()


def test_view_only_staff_cannot_run_actions(client, db):
    from django.contrib.auth.models import Permission

    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_artwork", "view_share"])
    )
    artwork, share = make_artwork(), make_share()
    client.force_login(viewer)
    response = client.get(reverse("admin:gallery_artwork_changelist"))
    assert response.status_code == 200
    assert "Select artwork to view" in response.text and artwork.prompt in response.text
    assert "make_private" not in response.text
    client.post(
        reverse("admin:gallery_artwork_changelist"),
        {"action": "make_private", "_selected_action": [artwork.pk]},
    )
    client.post(
        reverse("admin:gallery_share_changelist"),
        {"action": "revoke", "_selected_action": [share.pk]},
    )
    artwork.refresh_from_db()
    share.refresh_from_db()
    assert artwork.visibility == "public"
    assert share.revoked_at is None


def test_lowering_a_share_limit_below_its_views_is_a_form_error(client, superuser):
    share = make_share(max_views=5)
    Share.objects.filter(pk=share.pk).update(view_count=3)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:gallery_share_change", args=[share.pk]),
        {"artwork": share.artwork.pk, "max_views": 2, "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 200
    assert "already been viewed 3 times" in response.text
    share.refresh_from_db()
    assert share.max_views == 5


def test_a_stored_file_cannot_be_swapped_in_admin(client, superuser, owner):
    upload = File(owner=owner, file=ContentFile(png_bytes(), name="a.png"))
    upload.full_clean()
    upload.save()
    client.force_login(superuser)
    response = client.get(reverse("admin:gallery_file_change", args=[upload.pk]))
    assert response.status_code == 200
    assert "<h1>Change file</h1>" in response.text
    assert upload.file.name in response.text  # shown, read-only
    assert 'type="file"' not in response.text


def test_staff_can_run_failed_jobs_again_from_the_admin(client, superuser):
    from django.db import connection
    from procrastinate.contrib.django.models import ProcrastinateJob

    from gallery import tasks

    failed = tasks.prune_view_log.defer(timestamp=1)
    succeeded = tasks.retry_stalled_jobs.defer(timestamp=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", [failed])
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [succeeded]
        )
    client.force_login(superuser)
    url = reverse("admin:procrastinate_procrastinatejob_changelist")
    listing = client.get(url, {"status": "failed"})
    assert listing.status_code == 200 and "Run the selected failed jobs again" in listing.text
    jobs = ProcrastinateJob.objects.filter(id__in=[failed, succeeded])
    page = run_action(client, "procrastinatejob", "retry", jobs, app="procrastinate")
    assert "1 failed job(s) queued again." in page.text
    assert "1 job(s) skipped" in page.text
    assert ProcrastinateJob.objects.get(id=failed).status == "todo"
    assert ProcrastinateJob.objects.get(id=succeeded).status == "succeeded"


def test_view_only_staff_cannot_run_jobs_again(client):
    from django.contrib.auth.models import Permission

    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_procrastinatejob"))
    client.force_login(viewer)
    listing = client.get(reverse("admin:procrastinate_procrastinatejob_changelist"))
    assert listing.status_code == 200 and "Select procrastinate job to view" in listing.text
    assert "Run the selected failed jobs again" not in listing.text


# --- Files: a thumbnail we drew and a download link, never the upload inline ----------


def make_upload(owner, data: bytes | None = None, name: str = "ball.gif") -> File:
    data = images.animation() if data is None else data
    upload = File(owner=owner, file=ContentFile(data, name=name))
    upload.full_clean()
    upload.save()
    return upload


def file_viewer(codenames=("view_file",)):
    from django.contrib.auth.models import Permission

    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return viewer


def file_urls(upload: File) -> dict[str, str]:
    return {
        name: reverse(f"admin:gallery_file_{name}", args=[upload.pk])
        for name in ("thumbnail", "download")
    }


@pytest.fixture
def local_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def test_staff_who_may_view_files_see_each_with_its_thumbnail_and_download_link(
    client, owner, settings
):
    upload = make_upload(owner, images.animation(frames=5, size=(80, 40)), "ball.gif")
    client.force_login(file_viewer())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:gallery_file_changelist"))
    assert response.status_code == 200
    assert "Select file to view" in response.text
    assert "ball.gif" in response.text
    assert "80×40, 5 frames" in response.text
    assert filesizeformat(upload.size) in response.text
    urls = file_urls(upload)
    assert f'<img src="{urls["thumbnail"]}"' in response.text
    assert f'href="{urls["download"]}"' in response.text
    # Neither the upload itself nor a URL of the storage is on the page.
    assert settings.AWS_S3_ENDPOINT_URL not in response.text
    # The thumbnails' bytes stay out of the list's query (only their length is read).
    file_queries = [q["sql"] for q in queries.captured_queries if '"gallery_file"' in q["sql"]]
    assert file_queries
    assert not any(re.search(r'(?<!LENGTH\()"gallery_file"\."thumbnail"', sql)
                   for sql in file_queries)  # fmt: skip


def test_the_file_page_shows_the_thumbnail_and_download_link_read_only(client, owner):
    upload = make_upload(owner)
    client.force_login(file_viewer())
    response = client.get(reverse("admin:gallery_file_change", args=[upload.pk]))
    assert response.status_code == 200
    assert "<h1>View file</h1>" in response.text
    urls = file_urls(upload)
    assert f'<img src="{urls["thumbnail"]}"' in response.text
    assert f'href="{urls["download"]}"' in response.text
    assert upload.file.name in response.text  # the key, as text, not as a link
    assert f'href="{upload.file.url}' not in response.text.replace("&amp;", "&")


def test_the_thumbnail_url_answers_the_stored_webp(client, owner):
    upload = make_upload(owner)
    client.force_login(file_viewer())
    response = client.get(file_urls(upload)["thumbnail"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response.content == bytes(upload.thumbnail)
    assert response.content.startswith(b"RIFF") and response.content[8:12] == b"WEBP"
    assert "private" in response["Cache-Control"]


def test_the_download_is_a_signed_url_that_saves_the_original_bytes(client, owner, settings):
    data = images.still()
    upload = make_upload(owner, data, "My picture.png")
    client.force_login(file_viewer())
    response = client.get(file_urls(upload)["download"])
    assert response.status_code == 302
    assert response["Location"].startswith(settings.AWS_S3_ENDPOINT_URL)
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    assert "My picture.png" in fetched.headers["Content-Disposition"]


def test_on_local_storage_the_download_is_streamed_as_an_attachment(client, owner,
                                                                    local_storage):  # fmt: skip
    data = images.still()
    upload = make_upload(owner, data, "local.png")
    client.force_login(file_viewer())
    response = client.get(file_urls(upload)["download"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == 'attachment; filename="local.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_a_storage_failure_on_download_is_a_503_page(client, owner, local_storage,
                                                     monkeypatch):  # fmt: skip
    from django.core.files.storage import FileSystemStorage

    upload = make_upload(owner, images.still(), "local.png")

    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(FileSystemStorage, "_open", fail)
    client.force_login(file_viewer())
    response = client.get(file_urls(upload)["download"])
    assert response.status_code == 503
    assert "File storage is unreachable" in response.text
    assert response["Retry-After"] == "60"


def test_a_missing_stored_file_is_a_404_on_download(client, owner, local_storage):
    upload = make_upload(owner, images.still(), "local.png")
    (local_storage / upload.file.name).unlink()
    client.force_login(file_viewer())
    assert client.get(file_urls(upload)["download"]).status_code == 404


def test_file_urls_send_non_staff_to_the_admin_login(client, owner, other_user):
    upload = make_upload(owner)
    for url in file_urls(upload).values():
        assert client.get(url)["Location"].startswith(reverse("admin:login")), url
    client.force_login(other_user)
    for url in file_urls(upload).values():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_staff_without_the_file_view_permission_get_403(client, owner):
    upload = make_upload(owner)
    client.force_login(file_viewer(codenames=("view_artwork",)))
    for url in [*file_urls(upload).values(), reverse("admin:gallery_file_changelist")]:
        assert client.get(url).status_code == 403, url
