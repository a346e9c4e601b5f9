"""/healthz and its probes (each returns normally or raises), and /healthz/queue."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connection
from django.db.models import Max, Min, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from procrastinate.contrib.django.models import (
    ProcrastinateEvent,
    ProcrastinateJob,
    ProcrastinateWorker,
)

logger = logging.getLogger(__name__)


def probe_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def probe_storage() -> None:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        os.makedirs(storage.location, exist_ok=True)
        if not os.access(storage.location, os.W_OK):
            raise PermissionError(f"{storage.location} is not writable")
        return
    # S3: HEAD the bucket. It proves the service answers, the bucket exists and the
    # credentials are accepted, without writing anything. A client of its own with
    # short time-outs and no retries, so a probe answers within seconds.
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=storage.endpoint_url or None,
        region_name=storage.region_name or None,
        aws_access_key_id=storage.access_key or None,
        aws_secret_access_key=storage.secret_key or None,
        config=Config(
            connect_timeout=2,
            read_timeout=3,
            retries={"max_attempts": 1},
            s3={"addressing_style": "path" if storage.endpoint_url else "auto"},
        ),
    )
    client.head_bucket(Bucket=storage.bucket_name)


PROBES = {"database": probe_database, "storage": probe_storage}


def queue_state() -> dict:
    """The job queue at a glance: how many jobs are due and waiting, how long the
    oldest has waited, when a worker last started one, how many workers are alive."""
    now = timezone.now()
    due = Q(status="todo") & (Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
    waiting = ProcrastinateJob.objects.filter(due)
    # A job deferred to run at once has no scheduled_at: it waits since its deferral.
    since = [
        waiting.aggregate(at=Min("scheduled_at"))["at"],
        ProcrastinateEvent.objects.filter(type="deferred", job__in=waiting.filter(
            scheduled_at__isnull=True)).aggregate(at=Min("at"))["at"],
    ]  # fmt: skip
    since = [moment for moment in since if moment is not None]
    last_started = ProcrastinateEvent.objects.filter(type="started").aggregate(at=Max("at"))["at"]
    alive_since = now - timedelta(seconds=settings.JOBS_STALLED_SECONDS)
    return {
        "waiting": waiting.count(),
        "oldest_waiting_seconds": round((now - min(since)).total_seconds()) if since else 0,
        "last_started_seconds_ago": (
            round((now - last_started).total_seconds()) if last_started else None
        ),
        "workers": ProcrastinateWorker.objects.filter(last_heartbeat__gte=alive_since).count(),
    }


def queue_is_stuck(state: dict) -> bool:
    """Jobs have waited longer than JOBS_STUCK_SECONDS and no worker started any job
    in that time: the workers are gone, or all busy for far too long."""
    limit = settings.JOBS_STUCK_SECONDS
    idle = state["last_started_seconds_ago"]
    return (
        state["waiting"] > 0
        and state["oldest_waiting_seconds"] > limit
        and (idle is None or idle > limit)
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the file storage answer; 503 naming what failed.
    The job queue is reported, never failed on: load balancers route web traffic by
    this answer, and web pages work while jobs wait (/healthz/queue judges the queue)."""
    results: dict = {}
    for part, probe in PROBES.items():
        try:
            probe()
            results[part] = "ok"
        except Exception as error:  # any failure of a dependency is a failed probe
            logger.warning("healthz: %s is failing: %s", part, error)
            results[part] = "failing"
    healthy = all(state == "ok" for state in results.values())
    try:
        results["queue"] = queue_state()
    except DatabaseError:
        results["queue"] = "unknown"
    return JsonResponse(results, status=200 if healthy else 503)


@never_cache
@require_safe
def healthz_queue(request: HttpRequest) -> JsonResponse:
    """200 while workers take jobs; 503 when jobs wait and no worker has started one
    for JOBS_STUCK_SECONDS (for a monitor that pages someone, not a load balancer)."""
    try:
        state = queue_state()
    except DatabaseError:
        return JsonResponse({"database": "failing"}, status=503)
    stuck = queue_is_stuck(state)
    return JsonResponse({**state, "stuck": stuck}, status=503 if stuck else 200)
