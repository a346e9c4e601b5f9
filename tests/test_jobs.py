"""The job queue on the project's PostgreSQL, with real worker processes: jobs run
exactly once, a killed worker's job runs again, housekeeping is scheduled."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

from gallery import tasks
from gallery.models import ArtworkView
from tests import jobs
from tests.factories import make_artwork
from tests.workers import run_worker, start_worker

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_job_queue"),
]


def started_counts(job_ids: list[int]) -> list[int]:
    return [
        ProcrastinateEvent.objects.filter(job_id=job_id, type="started").count()
        for job_id in job_ids
    ]


def test_a_deferred_job_runs_in_a_worker_process(owner):
    old = make_artwork(owner)
    ArtworkView.objects.create(
        artwork=old, visitor="a:x", counted_at=timezone.now() - timedelta(days=2)
    )
    job_id = tasks.prune_view_log.defer(timestamp=0)
    run_worker()
    assert ProcrastinateJob.objects.get(id=job_id).status == "succeeded"
    assert not ArtworkView.objects.exists()


def test_two_workers_run_every_job_exactly_once():
    job_ids = [jobs.pause.defer(seconds=0.02) for _ in range(40)]
    workers = [start_worker("--one-shot", "--queues", "tests") for _ in range(2)]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
    assert set(
        ProcrastinateJob.objects.filter(id__in=job_ids).values_list("status", flat=True)
    ) == {"succeeded"}
    assert started_counts(job_ids) == [1] * 40


def test_a_killed_workers_job_is_run_again_by_another_worker():
    fast = {"JOBS_HEARTBEAT_SECONDS": "1", "JOBS_STALLED_SECONDS": "2"}
    job_id = jobs.pause.defer(seconds=3)
    doomed = start_worker("--queues", "tests", **fast)
    deadline = time.monotonic() + 60
    housekeeping = ProcrastinateJob.objects.filter(task_name="gallery.tasks.retry_stalled_jobs")
    while ProcrastinateJob.objects.get(id=job_id).status != "doing" or not housekeeping.exists():
        assert time.monotonic() < deadline, "the first worker never started the job"
        time.sleep(0.1)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert ProcrastinateJob.objects.get(id=job_id).status == "doing"  # left behind

    time.sleep(3)  # past JOBS_STALLED_SECONDS without a heartbeat
    # The doomed worker queued this minute's retry_stalled_jobs when it started (every
    # worker defers the periodic jobs that are due). A worker on every queue runs it,
    # which queues the stalled job again, and then runs that.
    run_worker(**fast)

    assert ProcrastinateJob.objects.get(id=job_id).status == "succeeded"
    assert started_counts([job_id]) == [2]
    assert ProcrastinateEvent.objects.filter(job_id=job_id, type="succeeded").count() == 1


def test_housekeeping_is_scheduled_once_however_many_workers():
    schedule = {
        task.task.name: (task.cron, task.task.queueing_lock)
        for task in app.periodic_registry.periodic_tasks.values()
    }
    assert schedule["gallery.tasks.prune_view_log"] == ("17 3 * * *", "prune_view_log")
    assert schedule["gallery.tasks.retry_stalled_jobs"] == ("* * * * *", "retry_stalled_jobs")
    assert schedule["gallery.tasks.forget_old_jobs"] == ("43 3 * * *", "forget_old_jobs")
    assert schedule["gallery.tasks.fail_stale_generations"] == (
        "*/5 * * * *",
        "fail_stale_generations",
    )


def test_finished_jobs_are_forgotten_after_the_keeping_time():
    job_ids = [jobs.pause.defer(seconds=0) for _ in range(3)]
    run_worker("--queues", "tests")
    with connection.cursor() as cursor:  # two finished long ago
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - interval '30 days'"
            " WHERE job_id = ANY(%s)",
            [job_ids[:2]],
        )
    tasks.forget_old_jobs.defer(timestamp=0)
    run_worker("--queues", "housekeeping")
    assert list(ProcrastinateJob.objects.filter(id__in=job_ids).values_list("id", flat=True)) == [
        job_ids[2]
    ]


@pytest.fixture
def job_refusing_retry():
    """A job whose retry the database refuses (a test trigger), to see that the others
    are still handled. Yields a function that names the job."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE test_refused_job (id bigint);"
            " CREATE FUNCTION test_refuse_retry() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN IF NEW.status = 'todo' AND NEW.id IN (SELECT id FROM test_refused_job)"
            " THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;"
            " CREATE TRIGGER test_refuse_retry BEFORE UPDATE ON procrastinate_jobs"
            " FOR EACH ROW EXECUTE FUNCTION test_refuse_retry()"
        )

    def refuse(job_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_refused_job VALUES (%s)", [job_id])

    yield refuse
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER test_refuse_retry ON procrastinate_jobs;"
            " DROP FUNCTION test_refuse_retry(); DROP TABLE test_refused_job"
        )


def test_a_job_stalled_too_often_is_failed_and_the_others_still_run_again(
    job_refusing_retry,
):
    refused, first_stall, last_stall = (jobs.pause.defer(seconds=0) for _ in range(3))
    job_refusing_retry(refused)
    with connection.cursor() as cursor:  # left running by dead workers (no worker id)
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', attempts = CASE id"
            " WHEN %s THEN %s ELSE 0 END WHERE id = ANY(%s)",
            [last_stall, tasks.MAX_STALL_RETRIES, [refused, first_stall, last_stall]],
        )
    housekeeping = tasks.retry_stalled_jobs.defer(timestamp=0)

    run_worker("--queues", "housekeeping")

    assert ProcrastinateJob.objects.get(id=housekeeping).status == "succeeded"
    status = dict(ProcrastinateJob.objects.values_list("id", "status"))
    assert status[refused] == "doing"  # its error did not stop the others
    assert status[first_stall] == "todo"  # queued again
    assert status[last_stall] == "failed"  # not again


def test_a_running_worker_defers_periodic_jobs_on_their_schedule():
    """The schedule mechanism the housekeeping jobs rely on, with a period short enough
    to watch: a worker that runs for a few seconds runs the every-second job a few
    times, each once."""
    worker = start_worker("--queues", "tests")
    try:
        deadline = time.monotonic() + 30
        ticks = ProcrastinateJob.objects.filter(task_name="tests.jobs.tick", status="succeeded")
        while ticks.count() < 3:
            assert time.monotonic() < deadline, "the periodic job did not run on schedule"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    stamps = [job.args["timestamp"] for job in ticks]
    assert len(stamps) == len(set(stamps))  # each second's job once
