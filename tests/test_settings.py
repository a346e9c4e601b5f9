"""Settings from the environment, system checks, and a clean deploy check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from accounts.checks import check_encryption_keys
from config.env import env_bool, env_int, env_list
from config.services import email_settings_from_url
from gallery.checks import (
    check_debug_on_public_host,
    check_embedding_provider,
    check_storage_configuration,
)
from tests.commands import database_url, run_manage
from tests.servers import RedisServer


def test_env_bool_refuses_anything_but_true_or_false(monkeypatch):
    monkeypatch.setenv("FLAG", "true")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "False")
    assert env_bool("FLAG", True) is False
    for unclear in ("maybe", "yes", "1", "off"):
        monkeypatch.setenv("FLAG", unclear)
        with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
            env_bool("FLAG", True)
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("NUMBER", "12")
    assert env_int("NUMBER", 1) == 12
    monkeypatch.setenv("NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("NUMBER", 1)
    monkeypatch.setenv("ITEMS", " a, b ,,c ")
    assert env_list("ITEMS") == ["a", "b", "c"]


def test_email_url_becomes_smtp_settings():
    values = email_settings_from_url("smtp://me%40x.org:p%40ss@mail.example.org:2525")
    assert values["EMAIL_HOST"] == "mail.example.org"
    assert values["EMAIL_PORT"] == 2525
    assert values["EMAIL_HOST_USER"] == "me@x.org"
    assert values["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert values["EMAIL_USE_TLS"] and not values["EMAIL_USE_SSL"]
    assert email_settings_from_url("smtps://mail.example.org")["EMAIL_PORT"] == 465
    with pytest.raises(ImproperlyConfigured):
        email_settings_from_url("http://mail.example.org")


def check_ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_half_configured_s3_is_an_error(settings):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9000"
    settings.AWS_ACCESS_KEY_ID = "key"
    settings.AWS_SECRET_ACCESS_KEY = ""
    assert check_ids(check_storage_configuration(None)) >= {"gallery.E001", "gallery.E002"}


def test_complete_s3_configuration_passes(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "bucket"
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9000"
    settings.AWS_ACCESS_KEY_ID = "key"
    settings.AWS_SECRET_ACCESS_KEY = "secret"
    assert check_storage_configuration(None) == []


def test_a_remote_embeddings_provider_without_a_key_is_flagged(settings):
    settings.EMBEDDING_PROVIDER = "openai-compatible"
    settings.EMBEDDING_API_KEY = ""
    assert check_ids(check_embedding_provider(None)) == {"gallery.W002"}
    settings.EMBEDDING_API_KEY = "sk-embed"
    assert check_embedding_provider(None) == []
    settings.EMBEDDING_PROVIDER, settings.EMBEDDING_API_KEY = "local", ""
    assert check_embedding_provider(None) == []


def test_missing_or_bad_encryption_keys_are_errors(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    assert check_ids(check_encryption_keys(None)) == {"accounts.E001"}
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-key"]
    assert check_ids(check_encryption_keys(None)) == {"accounts.E002"}


def test_debug_on_a_public_host_is_an_error(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["127.0.0.1", "gallery.example.org"]
    assert check_ids(check_debug_on_public_host(None)) == {"gallery.E003"}
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    assert check_debug_on_public_host(None) == []


def production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "FIELD_ENCRYPTION", "DATABASE_URL"))
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x9" * 20,
        DJANGO_ALLOWED_HOSTS="gallery.example.org",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        AWS_STORAGE_BUCKET_NAME="gallery-files",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
        # Never connected to by `check`; a production start needs one.
        DATABASE_URL="postgresql://gallery:secret@db.example.org:5432/gallery",
    )
    env.update(extra)
    return env


@pytest.mark.slow
def test_deploy_check_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set"),
        # A forgotten DJANGO_DEBUG=false on a real host: the repository's secret is refused.
        (
            {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": "", "DATABASE_URL": ""},
            "DJANGO_SECRET_KEY must be set when the site answers for other hosts",
        ),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "accounts.E001"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "-1"}, "DJANGO_TRUSTED_PROXY_COUNT must be 0 or more"),
    ],
    ids=[
        "no-secret-key",
        "no-database-url",
        "dev-secret-on-public-host",
        "no-encryption-keys",
        "negative-proxy-count",
    ],
)
def test_production_refuses_to_start_when_misconfigured(overrides, message):
    result = run_manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.slow
def test_production_static_files_are_hashed_and_compressed(tmp_path):
    env = production_env(STATIC_ROOT=str(tmp_path))
    result = run_manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    for name in ("css/site.css", "js/player.js"):
        assert name in manifest
        hashed = next(
            tmp_path.joinpath(name).parent.glob(Path(name).stem + ".*" + Path(name).suffix)
        )
        assert hashed.with_name(hashed.name + ".gz").exists(), f"{hashed.name} is not compressed"


@pytest.mark.slow
@pytest.mark.django_db
def test_redis_url_puts_the_cache_and_sessions_on_redis():
    import redis

    server = RedisServer().start()
    try:
        # The test database (migrated) through DATABASE_URL: sessions are also stored there.
        test_database = connection.settings_dict["NAME"]
        env = {**os.environ, "REDIS_URL": server.url, "DATABASE_URL": database_url(test_database)}
        script = (
            "from django.conf import settings; from django.core.cache import cache;"
            "from django.contrib.sessions.backends.cached_db import SessionStore;"
            "cache.set('greeting', 'hello', 60);"
            "session = SessionStore(); session['theme'] = 'dark'; session.create();"
            "print(settings.SESSION_ENGINE, cache.get('greeting'), session.session_key)"
        )
        result = run_manage("shell", "-v0", "-c", script, env=env)
        assert result.returncode == 0, result.stderr
        engine, greeting, session_key = result.stdout.split()
        assert engine == "django.contrib.sessions.backends.cached_db"
        assert greeting == "hello"
        keys = {key.decode() for key in redis.Redis.from_url(server.url).keys("*")}
        assert any(key.endswith(":greeting") for key in keys)
        assert any(session_key in key for key in keys)
    finally:
        server.stop()
