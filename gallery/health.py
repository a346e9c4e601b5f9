"""Probes behind /healthz: each returns normally or raises."""

from __future__ import annotations

import os

from django.core.files.storage import FileSystemStorage, storages
from django.db import connection


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
    # credentials are accepted, without writing anything.
    storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)


PROBES = {"database": probe_database, "storage": probe_storage}
