"""The background job that runs a queued generation (see `service.run_generation`).

A provider's temporary failure (429, 5xx, a timeout, no connection) is tried again
later, waiting longer each time; any other failure, or the last try, ends the
generation failed with a message for the creator. The job is idempotent: a finished
generation is left alone, so running it twice costs nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from gallery.generation.base import UNEXPECTED, TemporaryGenerationError
from gallery.generation.service import fail_generation, run_generation

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
