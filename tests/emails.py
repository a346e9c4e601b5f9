"""Account emails are sent by jobs (accounts/tasks.py): for in-process tests, run the
jobs a block of code queues here, as a worker would, so their mail lands in mail.outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.tasks import send_email


@contextmanager
def emails_sent_by_jobs(django_capture_on_commit_callbacks) -> Iterator[None]:
    """Queue the block's emails (its on-commit callbacks run at the end), then send
    them. Jobs queued before the block (other tests' leftovers) are left alone."""
    before = ProcrastinateJob.objects.aggregate(last=Max("id"))["last"] or 0
    with django_capture_on_commit_callbacks(execute=True):
        yield
    queued = ProcrastinateJob.objects.filter(task_name=send_email.name, id__gt=before)
    for job in queued.order_by("id"):
        send_email(**job.args)
