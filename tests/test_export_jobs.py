"""Exports too big to draw in a request: the first request answers 202 (a page that
refreshes itself, or a stand-in poster for an <img>) and a job draws the file; the
next request is served from the bucket. Small exports are still drawn at once."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image, ImageSequence
from procrastinate.contrib.django.models import ProcrastinateJob

from gallery import exports
from gallery.exports import jobs
from tests.factories import make_artwork
from tests.workers import run_worker

pytestmark = pytest.mark.storage

PAGE = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
IMAGE = {"HTTP_ACCEPT": "image/avif,image/webp,image/png,image/*,*/*;q=0.8"}
# Just over the line: 100 frames of 80x63 characters.
FRAMES, WIDTH, HEIGHT = 100, 80, 63


def big_frames() -> list[str]:
    return [
        "\n".join(f"{index:>3} {'#' * ((index + row) % 70)}" for row in range(HEIGHT))
        for index in range(FRAMES)
    ]


@pytest.fixture
def big(owner):
    assert FRAMES * WIDTH * HEIGHT > exports.raster.GIF_SYNC_MAX_CELLS
    return make_artwork(owner, frames=big_frames(), width=WIDTH, height=HEIGHT, fps=10)


def gif_url(artwork) -> str:
    return reverse("gallery:export", args=[artwork.public_id, "gif"])


def render_jobs(artwork) -> list[str]:
    return list(
        ProcrastinateJob.objects.filter(
            task_name=jobs.render_export.name, args__public_id=artwork.public_id
        ).values_list("status", flat=True)
    )


@pytest.mark.django_db
def test_only_gifs_over_the_measured_size_are_drawn_by_a_job(owner, big):
    line = exports.raster.GIF_SYNC_MAX_CELLS // (100 * 50)
    at_line = make_artwork(owner, frames=["x"] * 100, width=line, height=50)
    assert not jobs.renders_in_background(at_line, "gif")
    assert jobs.renders_in_background(big, "gif")
    assert not jobs.renders_in_background(big, "png")
    assert not jobs.renders_in_background(big, "svg")


@pytest.mark.django_db
def test_a_small_gif_is_drawn_in_the_request(client, owner):
    small = make_artwork(owner, frames=["o  ", " o ", "  o"], width=3, height=1)
    response = client.get(gif_url(small), **PAGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"


@pytest.mark.django_db
def test_a_big_gif_answers_202_with_a_page_that_refreshes_itself(client, big):
    response = client.get(gif_url(big), **PAGE)
    assert response.status_code == 202
    page = response.content.decode()
    assert "Your GIF is being prepared" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert big.get_absolute_url() in page
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("ETag")
    assert exports.stored_export(big, "gif") is None  # nothing drawn in the request


@pytest.mark.django_db
def test_an_image_request_for_a_big_gif_gets_a_small_stand_in_poster(client, big):
    response = client.get(gif_url(big), **IMAGE)
    assert response.status_code == 202
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    poster = Image.open(io.BytesIO(response.content))
    assert poster.format == "PNG"
    assert poster.size == exports.grid(exports.raster.PLACEHOLDER_FONT_SIZE).canvas(WIDTH, HEIGHT)
    assert len(poster.convert("L").getcolors()) > 1  # the first frame, not a blank


@pytest.mark.django_db
def test_a_gif_too_big_for_any_job_is_still_413(client, owner):
    huge = make_artwork(owner, frames=["x" * 80] * 500, width=80, height=100)
    assert client.get(gif_url(huge), **PAGE).status_code == 413


@pytest.mark.django_db
def test_the_render_job_does_nothing_when_the_export_is_stored(s3, big):
    name, _, _ = exports.cached_export(big, "gif")
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    stored = s3.head_object(Bucket=bucket, Key=name)["LastModified"]
    jobs.render_export(public_id=big.public_id, fmt="gif", theme="dark")
    assert s3.head_object(Bucket=bucket, Key=name)["LastModified"] == stored
    jobs.render_export(public_id="gone", fmt="gif", theme="dark")  # a deleted artwork


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_job_queue")
def test_a_big_gif_answers_202_first_then_is_served_from_the_cache_after_the_worker_ran(
    client, s3_server, big
):
    assert client.get(gif_url(big), **PAGE).status_code == 202
    assert client.get(gif_url(big), **IMAGE).status_code == 202  # asked again meanwhile
    assert render_jobs(big) == ["todo"]  # one job however often it is asked for

    run_worker(
        AWS_STORAGE_BUCKET_NAME=s3_server.bucket,
        AWS_S3_ENDPOINT_URL=s3_server.endpoint_url,
        AWS_S3_REGION_NAME=s3_server.region,
        AWS_ACCESS_KEY_ID=s3_server.access_key,
        AWS_SECRET_ACCESS_KEY=s3_server.secret_key,
    )
    assert render_jobs(big) == ["succeeded"]

    response = client.get(gif_url(big), **PAGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    gif = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert sum(1 for _ in ImageSequence.Iterator(gif)) == FRAMES
    assert render_jobs(big) == ["succeeded"]  # served, not queued again


@pytest.mark.parametrize(
    ("headers", "query", "answer"),
    [
        # A download link: the browser saves what comes back, so never the poster.
        ({"HTTP_ACCEPT": "*/*"}, "?download=1", "text/html"),
        ({"HTTP_ACCEPT": "*/*", "HTTP_SEC_FETCH_DEST": "document"}, "?download=1", "text/html"),
        # An <img> in a browser, and a crawler fetching og:image.
        ({"HTTP_ACCEPT": "image/webp,*/*", "HTTP_SEC_FETCH_DEST": "image"}, "", "image/png"),
        ({"HTTP_ACCEPT": "*/*"}, "", "image/png"),
    ],
    ids=["download", "download-document", "img", "crawler"],
)
def test_only_image_requests_get_the_stand_in_poster(client, big, headers, query, answer):
    response = client.get(gif_url(big) + query, **headers)
    assert response.status_code == 202
    assert response["Content-Type"].startswith(answer)
