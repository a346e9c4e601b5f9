"""/healthz and its probes: each probe returns normally or raises."""

from __future__ import annotations

import logging
import os

import boto3
from botocore.config import Config
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the file storage answer; 503 naming what failed."""
    results = {}
    for part, probe in PROBES.items():
        try:
            probe()
            results[part] = "ok"
        except Exception as error:  # any failure of a dependency is a failed probe
            logger.warning("healthz: %s is failing: %s", part, error)
            results[part] = "failing"
    healthy = all(state == "ok" for state in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
