"""The background job that runs a queued generation (see `service.run_generation`).

A provider's temporary failure (429, 5xx, a timeout, no connection) is tried again
later, waiting longer each time; any other failure, or the last try, ends the
generation failed with a message for the creator. The job is idempotent: a finished
generation is left alone, so running it twice costs nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections
from django.db.models import BigIntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from gallery.generation.base import STALE, UNEXPECTED, TemporaryGenerationError
from gallery.generation.service import fail_generation, run_generation
from gallery.models import Generation

if TYPE_CHECKING:
    from procrastinate import JobContext
    from procrastinate.jobs import Job

logger = logging.getLogger(__name__)


def _retries() -> int:
    return settings.GENERATION_RETRIES


def _retry_wait(attempts: int) -> float:
    """10 s, 20 s, 40 s... (settings.GENERATION_RETRY_WAIT_SECONDS, doubled each time)."""
    return settings.GENERATION_RETRY_WAIT_SECONDS * 2**attempts


class TemporaryFailureRetry(BaseRetryStrategy):
    """Exponential backoff, only for TemporaryGenerationError. Read at each failure, not
    at import, so that settings decide."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, TemporaryGenerationError) or job.attempts >= _retries():
            return None
        return RetryDecision(retry_in={"seconds": _retry_wait(job.attempts)})


@app.task(queue="generation", pass_context=True, retry=TemporaryFailureRetry())
def run_generation_job(context: JobContext, generation_id: int) -> str | None:
    """Run generation `generation_id`; returns its status (None if it is gone)."""
    # job.attempts counts the tries before this one.
    may_retry = context.job.attempts < _retries()
    try:
        attempt = run_generation(generation_id, may_retry=may_retry)
    except Exception as error:
        # run_generation records the provider's failures; anything else (the database
        # failing while it saves) would fail the job and leave the row queued or
        # running, its page polling forever. Unless the job tries again, end it here.
        if not (may_retry and isinstance(error, TemporaryGenerationError)):
            _fail_for_good(generation_id)
        raise
    return attempt.status if attempt is not None else None


def _fail_for_good(generation_id: int) -> None:
    """Best effort: the database may be what failed."""
    try:
        close_old_connections()  # a connection broken by the failure is opened again
        fail_generation(generation_id, UNEXPECTED)
    except Exception:
        logger.exception("Generation %s could not be marked failed", generation_id)


def fail_stale_generations() -> int:
    """End failed the generations queued or running for longer than
    GENERATION_STALE_MINUTES that no job is left to run (its job died with its worker,
    was never queued, or no worker runs): otherwise their pages would poll forever.
    Returns how many were ended."""
    cutoff = timezone.now() - timedelta(minutes=settings.GENERATION_STALE_MINUTES)
    # Any job that carries a generation: this one, or an upload's conversion.
    live_jobs = (
        ProcrastinateJob.objects.filter(args__has_key="generation_id", status__in=["todo", "doing"])
        .annotate(generation_id=Cast(KT("args__generation_id"), BigIntegerField()))
        .values("generation_id")
    )
    # One statement, so that a job finishing meanwhile cannot be overwritten.
    return (
        Generation.objects.filter(
            status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING],
            created_at__lt=cutoff,
        )
        .exclude(pk__in=live_jobs)
        .update(status=Generation.Status.FAILED, error=STALE, finished_at=timezone.now())
    )
