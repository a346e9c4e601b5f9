"""Background jobs, run by `manage.py procrastinate worker` on the project's own
PostgreSQL (no other server). Every job is idempotent: a job that a dead worker left
half done is run again from the start (retry_stalled_jobs).

Jobs are deferred after the transaction that asked for them commits (`defer_on_commit`),
so a worker never picks up a job whose rows are not there yet, and a rolled-back
request leaves no job behind. The periodic schedule is in one place: below.
"""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.db import transaction
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status as JobStatus

from accounts import archives
from gallery import embeddings, engagement, similarity, uploads
from gallery.convex_import import import_convex_snapshot  # noqa: F401 (registers the task)
from gallery.exports.jobs import render_export  # noqa: F401 (registers the task)
from gallery.generation import jobs as generation_jobs
from gallery.generation.jobs import run_generation_job  # noqa: F401 (registers the task)
from gallery.models import Artwork

logger = logging.getLogger(__name__)

# A job stalled this many times (counted by its attempts) is taken to kill its worker
# (out of memory, say): it is failed rather than run again, every minute, forever.
MAX_STALL_RETRIES = 3


def defer_on_commit(task, **kwargs) -> None:
    """Queue `task` with `kwargs` once the current transaction commits (at once when
    there is none)."""
    transaction.on_commit(lambda: task.defer(**kwargs))


@app.task(queue="conversion")
def convert_upload(generation_id: int) -> str | None:
    """Run a conversion too large for a request (gallery/uploads.py); returns how it
    ended (None if its row is gone). It records its own failures, so it never retries."""
    attempt = uploads.run_conversion(generation_id)
    return attempt.status if attempt is not None else None


# Tries of an embedding job in all (10 s, 20 s... between them: about 5 minutes).
EMBEDDING_ATTEMPTS = 6


class TemporaryEmbeddingRetry(BaseRetryStrategy):
    """An embeddings server's 429, 5xx or silence is tried again after 10 s, 20 s...
    up to EMBEDDING_ATTEMPTS tries in all; other failures are final at once."""

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        if not isinstance(exception, embeddings.TemporaryEmbeddingError):
            return None
        if job.attempts + 1 >= EMBEDDING_ATTEMPTS:
            return None
        return RetryDecision(retry_in={"seconds": 10 * 2**job.attempts})


def defer_embedding(artwork_id: int) -> None:
    """Queue embed_artwork once the transaction commits. One job per artwork at a time
    (its lock), and at most one waiting (its queueing lock: the waiting one reads the
    artwork as it is when it runs), so that an older read never lands last."""
    name = f"embed_artwork:{artwork_id}"

    def defer() -> None:
        with contextlib.suppress(AlreadyEnqueued):
            embed_artwork.configure(lock=name, queueing_lock=name).defer(artwork_id=artwork_id)

    transaction.on_commit(defer)


@app.task(queue="embeddings", retry=TemporaryEmbeddingRetry())
def embed_artwork(artwork_id: int) -> str:
    """Store the artwork's vector if its words or frames changed (gallery/similarity.py).
    A failure is logged and, when temporary, retried; it never touches the artwork."""
    artwork = Artwork.objects.filter(pk=artwork_id).first()
    if artwork is None:
        return "gone"
    try:
        # One try each: the job's own retries wait longer between them.
        embedded = similarity.embed_artworks([artwork], provider=embeddings.provider(attempts=1))
    except embeddings.TemporaryEmbeddingError as error:
        logger.warning("Artwork %s not embedded yet (%s): trying again.", artwork_id, error)
        raise
    except embeddings.EmbeddingError as error:
        logger.error("Artwork %s could not be embedded: %s", artwork_id, error)
        return "failed"
    return "embedded" if embedded else "unchanged"


# --- Housekeeping (periodic: each has a queueing lock, so that however many workers
# run, one copy at most waits in the queue) ----------------------------------------


@app.periodic(cron="17 3 * * *")  # daily, at a quiet hour
@app.task(queue="housekeeping", queueing_lock="prune_view_log")
def prune_view_log(timestamp: int) -> int:
    deleted = engagement.prune_view_log()
    logger.info("Pruned %d view record(s).", deleted)
    return deleted


@app.periodic(cron="29 3 * * *")  # daily
@app.task(queue="housekeeping", queueing_lock="delete_expired_archives")
def delete_expired_archives(timestamp: int) -> int:
    """Creators' archives (accounts/archives.py) are kept ARCHIVE_KEEP_DAYS."""
    deleted = archives.delete_expired_archives()
    logger.info("Deleted %d expired archive(s).", deleted)
    return deleted


@app.periodic(cron="* * * * *")  # every minute
@app.task(queue="housekeeping", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Run again the jobs of workers that stopped sending heartbeats (killed, or their
    machine gone): Procrastinate notices such workers; queueing their jobs again is
    ours to do, up to MAX_STALL_RETRIES times."""
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOBS_STALLED_SECONDS
    )
    for job in stalled:
        # One job's error must not leave the others stalled.
        try:
            if job.attempts >= MAX_STALL_RETRIES:
                logger.warning(
                    "Job %s (%s) was stalled after %d attempts: marking it failed.",
                    job.id,
                    job.task_name,
                    job.attempts,
                )
                await context.app.job_manager.finish_job_by_id_async(
                    job_id=job.id, status=JobStatus.FAILED, delete_job=False
                )
            else:
                logger.warning("Job %s (%s) was stalled: running it again.", job.id, job.task_name)
                await context.app.job_manager.retry_job(job)
        except Exception:
            logger.exception(
                "Job %s (%s) was stalled and could not be handled.", job.id, job.task_name
            )


@app.periodic(cron="*/5 * * * *")  # every five minutes
@app.task(queue="housekeeping", queueing_lock="fail_stale_generations")
def fail_stale_generations(timestamp: int) -> int:
    """End failed the generations that no job will finish, so that their creators see
    it (and their pages stop polling)."""
    failed = generation_jobs.fail_stale_generations()
    if failed:
        logger.warning("Ended %d stale generation(s) as failed.", failed)
    return failed


@app.periodic(cron="43 3 * * *")  # daily
@app.task(queue="housekeeping", queueing_lock="forget_old_jobs", pass_context=True)
async def forget_old_jobs(context, timestamp: int) -> None:
    """Finished jobs stay a week for staff to look at (the admin), then go with their
    events, so the queue's tables stay small."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=settings.JOBS_KEEP_HOURS,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
