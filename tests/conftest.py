"""The cast and the real servers every test can use.

The whole run uses real components: the embedded PostgreSQL (or DATABASE_URL) for the
database, and a SeaweedFS S3 gateway started here for file storage, so the storage
code paths under test are the production S3 ones. SeaweedFS starts with the first test
that needs storage (marked `storage`); a run of pure unit tests never starts it.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from config.services import s3_storage
from tests import factories, hypothesis_profiles  # noqa: F401 (registers the profiles)
from tests.chat_server import USER_KEY, ChatServer
from tests.servers import SeaweedS3

STATIC_FILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


@pytest.fixture(scope="session")
def s3_server():
    """SeaweedFS, started on first use (only tests that need storage pay for it)."""
    server = SeaweedS3().start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Plain static files, a fast password hasher and no export limit for the run."""
    overrides = override_settings(
        STORAGES={
            "default": {"BACKEND": "tests.storages.StorageNotRequested"},
            "staticfiles": STATIC_FILES,
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # The cache table outlives transactional tests: a run's many exports from
        # 127.0.0.1 must not add up to a limit (tests of the limit set their own).
        EXPORT_RENDER_RATE_LIMIT=0,
        # Tests change rows behind the views' backs (bulk updates of dates and
        # counters); the page cache has tests of its own (the page_cache fixture).
        PAGE_CACHE_SECONDS=0,
    )
    overrides.enable()
    yield
    overrides.disable()


@pytest.fixture(autouse=True)
def _forget_query_vectors():
    """Each test embeds its own search texts (the cache lives in the process)."""
    caches["query_vectors"].clear()


@pytest.fixture
def page_cache(settings):
    """The anonymous page cache on, as in production, and empty."""
    settings.PAGE_CACHE_SECONDS = 30
    caches["pages"].clear()
    yield caches["pages"]
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _storage(request):
    """S3 storage on the test SeaweedFS for tests that ask for storage (the `storage`
    marker or the s3 fixtures), so that the code under test takes the production S3
    path; the others get a storage that refuses to be used (tests/storages.py)."""
    wanted = request.node.get_closest_marker("storage") or {"s3", "s3_server"} & set(
        request.fixturenames
    )
    if not wanted:
        yield
        return
    with s3_settings(request.getfixturevalue("s3_server")):
        yield


def s3_settings(server) -> override_settings:
    """The settings of S3 storage on `server` (a SeaweedS3), as production has them."""
    storage = s3_storage(
        bucket=server.bucket,
        endpoint_url=server.endpoint_url,
        region=server.region,
        access_key=server.access_key,
        secret_key=server.secret_key,
    )
    return override_settings(
        STORAGES={"default": storage, "staticfiles": STATIC_FILES},
        AWS_STORAGE_BUCKET_NAME=server.bucket,
        AWS_S3_ENDPOINT_URL=server.endpoint_url,
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
    )


@pytest.fixture
def s3(s3_server):
    """A boto3 client on the test bucket, to check what really landed in S3."""
    return s3_server.client()


# --- The cast of every permission test: anonymous -> other -> owner -> staff ---------


@pytest.fixture
def owner(db):
    return factories.make_user(email="owner@example.com", username="owner")


@pytest.fixture
def other_user(db):
    return factories.make_user(email="other@example.com", username="other")


@pytest.fixture
def staff_user(db):
    return factories.make_user(email="staff@example.com", username="staff", is_staff=True)


@pytest.fixture
def superuser(db):
    return factories.make_user(
        email="root@example.com", username="root", is_staff=True, is_superuser=True
    )


@pytest.fixture
def csrf_client():
    """A client that enforces CSRF like a browser session would."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def admin_client_(superuser, client):
    client.force_login(superuser)
    return client


# --- A real browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Chromium for the whole run. Playwright's sync API keeps an event loop in this
    thread (driven through greenlets, never concurrently with the test's own code), so
    Django's guard against ORM calls from async code is switched off while it lives."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_context(browser, live_server):
    """Opens browser contexts on the live server; `open(**options)` takes Playwright's
    context options (reduced_motion, java_script_enabled...)."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_context):
    return browser_context().new_page()


# --- The job queue --------------------------------------------------------------------


@pytest.fixture
def empty_job_queue(transactional_db):
    """No job left by an earlier test: a worker started by a test also queues the
    periodic housekeeping jobs, which stay queued when it runs other queues only, and
    their queueing locks would refuse the same job deferred by the next test."""
    from django.db import connection

    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE procrastinate_jobs, procrastinate_events,"
                " procrastinate_periodic_defers, procrastinate_workers CASCADE"
            )

    empty()
    yield
    empty()


# --- A real chat-completions server for AI generation -----------------------------------


@pytest.fixture
def chat_server():
    server = ChatServer().start()
    yield server
    server.stop()


@pytest.fixture
def compatible_key(owner, chat_server):
    """The owner's key for an OpenAI-compatible server: the test server."""
    from accounts.models import ApiKey

    return ApiKey.objects.create(
        user=owner,
        name="my server",
        provider="openai-compatible",
        base_url=chat_server.base_url,
        key=USER_KEY,
    )
