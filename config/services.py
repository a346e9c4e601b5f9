"""Builds the settings of outside services (S3 storage, SMTP) from plain values."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "us-east-1",
    access_key: str = "",
    secret_key: str = "",
) -> dict[str, Any]:
    """A STORAGES entry for django-storages' S3 backend on any S3-compatible service."""
    from botocore.config import Config

    options: dict[str, Any] = {
        "bucket_name": bucket,
        "region_name": region,
        # Objects stay private; the app hands out short-lived signed URLs.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 3600,
        # Keys are random, so an existing name means a bug: never overwrite silently.
        "file_overwrite": False,
        # Fail fast when the service is down instead of hanging a web worker. (With a
        # client config of its own, django-storages' signature_version is ignored: the
        # config names it.)
        "client_config": Config(
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        ),
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def email_settings_from_url(url: str) -> dict[str, Any]:
    """EMAIL_* settings from smtp://user:pass@host:port or smtps://..., or
    file:///absolute/folder (each message written to a file there: for tests and
    staging)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured("EMAIL_URL must look like file:///absolute/folder.")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL must look like smtp://user:password@host:587.")
    implicit_tls = parts.scheme == "smtps"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if implicit_tls else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": not implicit_tls,
        "EMAIL_TIMEOUT": 10,
    }
