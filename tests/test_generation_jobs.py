"""Generation as a background job, with real worker processes on the test database and
a real chat-completions server on 127.0.0.1: the web form queues, a worker runs, the
progress page follows; a busy provider is tried again, a refused key fails at once."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from gallery import tasks
from gallery.frames import FRAME_SEPARATOR
from gallery.generation import KEY_REFUSED, PROVIDER_RATE_LIMITED, STALE, UNEXPECTED
from gallery.generation.jobs import run_generation_job
from gallery.models import Generation
from tests import workers
from tests.chat_server import PLAN, Reply, completion
from tests.test_studio import generate_data

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_job_queue"),
]

# A worker for the generation queue whose retries wait a fraction of a second (the
# backoff is read from settings at each failure), so that a retry test stays short.
WORKER = (
    "import sys, django; django.setup();"
    "from django.conf import settings; settings.GENERATION_RETRY_WAIT_SECONDS = 0.2;"
    "from django.core.management import call_command;"
    "call_command('procrastinate', 'worker', '--queues', 'generation', *sys.argv[1:])"
)
MODEL = "openai/gpt-4o-mini"  # one of the form's models (settings.AI_MODELS)


def start_worker(*args: str) -> subprocess.Popen:
    return workers.start_worker(*args, script=WORKER)


def run_worker() -> None:
    workers.run_worker(script=WORKER)


def run_worker_until_finished(generation: Generation, timeout: float = 60) -> Generation:
    """A worker left running (a retry is due a moment later), stopped once the
    generation has finished."""
    worker = start_worker("--fetch-job-polling-interval", "0.1")
    try:
        deadline = time.monotonic() + timeout
        while not generation.is_finished:
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline, f"still {generation.status}"
            time.sleep(0.1)
            generation.refresh_from_db()
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors
    return generation


def job_for(generation: Generation) -> ProcrastinateJob:
    return ProcrastinateJob.objects.filter(
        task_name="gallery.generation.jobs.run_generation_job",
        args={"generation_id": generation.pk},
    ).latest("id")


def post_generation(client, owner, **data) -> Generation:
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_generate"), generate_data(**data))
    generation = Generation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:studio_generation", args=[generation.pk])
    assert generation.status == "queued"
    return generation


def test_a_generation_from_the_web_form_is_run_by_a_worker_and_shown(client, owner):
    generation = post_generation(client, owner, prompt="snow in the mountains", seed=7)
    progress = client.get(reverse("gallery:studio_generation", args=[generation.pk]))
    assert progress.status_code == 200 and "Queued" in progress.text

    run_worker()

    generation.refresh_from_db()
    assert generation.status == "done" and generation.error == ""
    assert generation.started_at <= generation.finished_at
    job = job_for(generation)
    assert job.status == "succeeded"
    status = client.get(reverse("gallery:studio_generation_status", args=[generation.pk]))
    editor_url = reverse("gallery:studio_new") + f"?generation={generation.pk}"
    assert status.json()["status"] == "done" and status.json()["editor_url"] == editor_url
    done = client.get(reverse("gallery:studio_generation", args=[generation.pk]), follow=True)
    assert done.redirect_chain == [(editor_url, 302)]
    frames = done.context["form"].initial["frames_text"].split(f"\n{FRAME_SEPARATOR}\n")
    assert len(frames) == 4
    assert "Generated with the snow scene, picked by the word “snow”. Review" in done.text


def test_a_provider_answering_429_is_tried_again_and_succeeds(
    client, owner, compatible_key, chat_server
):
    chat_server.replies = [
        Reply(429, {"error": {"message": "slow down"}}),
        Reply(body=PLAN),
        Reply(body=completion('{"frames": ["/\\\\", "\\\\/"]}')),
    ]
    generation = post_generation(client, owner, provider="openai-compatible", model=MODEL)

    generation = run_worker_until_finished(generation)

    assert generation.status == "done" and generation.error == ""
    assert len(chat_server.received) == 3  # the refused plan, then plan and frames
    job = job_for(generation)
    assert job.status == "succeeded" and job.attempts == 2  # a retry
    editor = client.get(reverse("gallery:studio_generation", args=[generation.pk]), follow=True)
    assert editor.context["form"].initial["model"] == MODEL


def test_a_provider_refusing_the_key_fails_at_once_with_the_message_shown(
    client, owner, compatible_key, chat_server
):
    chat_server.replies = [Reply(401, {"error": {"message": "invalid key"}})]
    generation = post_generation(client, owner, provider="openai-compatible", model=MODEL)

    run_worker()

    generation.refresh_from_db()
    assert generation.status == "failed" and generation.error == KEY_REFUSED
    assert len(chat_server.received) == 1  # not tried again
    job = job_for(generation)
    assert job.status == "succeeded" and job.attempts == 1  # one run
    page = client.get(reverse("gallery:studio_generation", args=[generation.pk]))
    assert page.status_code == 200
    assert "Generation failed" in page.text and KEY_REFUSED in page.text
    studio = client.get(reverse("gallery:studio"))
    assert "Recent generations" in studio.text and KEY_REFUSED in studio.text


def test_a_provider_that_stays_busy_fails_after_the_last_try(
    client, owner, compatible_key, chat_server, settings
):
    chat_server.replies = [Reply(429, {}) for _ in range(10)]
    generation = post_generation(client, owner, provider="openai-compatible", model=MODEL)

    generation = run_worker_until_finished(generation)

    assert generation.status == "failed" and generation.error == PROVIDER_RATE_LIMITED
    assert len(chat_server.received) == 4  # the first try and three more


@pytest.fixture
def database_refusing_done():
    """A trigger that fails every save of a finished generation, as a database error in
    the job's last step would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_done() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN IF NEW.status = 'done' THEN RAISE EXCEPTION 'disk full'; END IF;"
            " RETURN NEW; END $$;"
            " CREATE TRIGGER test_refuse_done BEFORE UPDATE ON gallery_generation"
            " FOR EACH ROW EXECUTE FUNCTION test_refuse_done()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER test_refuse_done ON gallery_generation; DROP FUNCTION test_refuse_done()"
        )


def test_a_job_failing_for_good_ends_its_generation_failed(client, owner, database_refusing_done):
    generation = post_generation(client, owner)

    run_worker()

    assert job_for(generation).status == "failed"
    generation.refresh_from_db()
    assert generation.status == "failed" and generation.error == UNEXPECTED
    assert generation.finished_at is not None
    page = client.get(reverse("gallery:studio_generation", args=[generation.pk]))
    assert page.status_code == 200
    assert "Generation failed" in page.text and UNEXPECTED in page.text


def make_generation(owner, minutes_ago: float, status: str = "queued") -> Generation:
    return Generation.objects.create(
        user=owner,
        prompt="rain over the roofs",
        provider="procedural",
        model="procedural",
        status=status,
        request={
            "prompt": "rain over the roofs",
            "width": 20,
            "height": 5,
            "fps": 8,
            "frame_count": 4,
        },
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_a_generation_no_job_will_finish_ends_failed_after_a_while(client, owner, settings):
    settings.GENERATION_STALE_MINUTES = 15
    lost = make_generation(owner, 20)
    lost_running = make_generation(owner, 20, status="running")
    waiting = make_generation(owner, 20)  # a job will run it (a retry due later)
    run_generation_job.defer(generation_id=waiting.pk)
    being_run = make_generation(owner, 20, status="running")
    being_run_job = run_generation_job.defer(generation_id=being_run.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [being_run_job]
        )
    recent = make_generation(owner, 5)
    done = make_generation(owner, 20, status="done")

    assert tasks.fail_stale_generations(timestamp=0) == 2

    statuses = {row.pk: (row.status, row.error) for row in Generation.objects.defer("result")}
    assert statuses == {
        lost.pk: ("failed", STALE),
        lost_running.pk: ("failed", STALE),
        waiting.pk: ("queued", ""),
        being_run.pk: ("running", ""),
        recent.pk: ("queued", ""),
        done.pk: ("done", ""),
    }
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_generation", args=[lost.pk]))
    assert page.status_code == 200
    assert "Generation failed" in page.text and STALE in page.text
    status = client.get(reverse("gallery:studio_generation_status", args=[lost.pk]))
    assert status.json()["status"] == "failed" and status.json()["error"] == STALE
