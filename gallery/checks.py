"""System checks for deployment mistakes around storage and hosts."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}


@checks.register(checks.Tags.compatibility)
def check_storage_configuration(app_configs, **kwargs) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    s3_values = {
        "AWS_S3_ENDPOINT_URL": settings.AWS_S3_ENDPOINT_URL,
        "AWS_ACCESS_KEY_ID": settings.AWS_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": settings.AWS_SECRET_ACCESS_KEY,
    }
    given = [name for name, value in s3_values.items() if value]
    if given and not bucket:
        messages.append(
            checks.Error(
                f"{', '.join(given)} set but AWS_STORAGE_BUCKET_NAME is not: uploads would go"
                " to the local disk instead of S3.",
                hint="Set AWS_STORAGE_BUCKET_NAME, or unset the other AWS_* variables.",
                id="gallery.E001",
            )
        )
    if bool(settings.AWS_ACCESS_KEY_ID) != bool(settings.AWS_SECRET_ACCESS_KEY):
        messages.append(
            checks.Error(
                "Only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set.",
                hint="Set both, or neither to use the machine's own AWS credentials.",
                id="gallery.E002",
            )
        )
    if not bucket and not settings.DEBUG:
        messages.append(
            checks.Warning(
                "Uploads are stored on this server's disk (no AWS_STORAGE_BUCKET_NAME).",
                hint="With more than one app server, every server needs the same files: use S3.",
                id="gallery.W001",
            )
        )
    return messages


@checks.register(checks.Tags.security)
def check_debug_on_public_host(app_configs, **kwargs) -> list[checks.CheckMessage]:
    public = [host for host in settings.ALLOWED_HOSTS if host not in LOCAL_HOSTS]
    if settings.DEBUG and public:
        return [
            checks.Error(
                f"DEBUG is on while the site answers for {', '.join(public)}: error pages"
                " would show code and settings to anyone.",
                hint="Set DJANGO_DEBUG=false for any host reachable by others.",
                id="gallery.E003",
            )
        ]
    return []


@checks.register(checks.Tags.compatibility)
def check_embedding_provider(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A remote embeddings provider without a key would fail every job and search."""
    if settings.EMBEDDING_PROVIDER == "openai-compatible" and not settings.EMBEDDING_API_KEY:
        return [
            checks.Warning(
                "EMBEDDING_PROVIDER is openai-compatible but EMBEDDING_API_KEY is empty.",
                hint="Set the key, or leave it empty only for a server that needs none.",
                id="gallery.W002",
            )
        ]
    return []
