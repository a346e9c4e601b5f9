"""Migrations: complete, and applying cleanly to an empty database through DATABASE_URL."""

from __future__ import annotations

import os
import secrets

import psycopg
import pytest

from tests.commands import database_url, run_manage, server_params

EXPECTED_INDEXES = {
    "artwork_by_user",
    "artwork_by_visibility",
    "artwork_by_created",
    "artwork_by_featured",
    "artwork_search_prompt",
    "embedding_by_cosine",
    "collection_by_user",
    "collection_by_visibility",
    "share_by_share_code",
    "share_by_artwork",
    "generation_by_user",
    "generation_by_created",
    "file_by_user",
    "file_by_artwork",
    "like_by_artwork",
    "like_once_per_user",
}


def test_models_and_migrations_agree():
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def empty_database(db):
    """A new, empty database on the test server, and its DATABASE_URL."""
    name = f"migrations_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server_params()) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name, database_url(name)
    with psycopg.connect(dbname="postgres", autocommit=True, **server_params()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_migrations_apply_to_an_empty_database(empty_database):
    name, url = empty_database
    env = {**os.environ, "DATABASE_URL": url}
    result = run_manage("migrate", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Applying gallery.0001_initial... OK" in result.stdout

    with psycopg.connect(dbname=name, **server_params()) as conn:
        extensions = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
        indexes = dict(
            conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        )
    assert "vector" in extensions
    assert set(indexes) >= EXPECTED_INDEXES
    assert "USING hnsw" in indexes["embedding_by_cosine"]
    assert "vector_cosine_ops" in indexes["embedding_by_cosine"]
    assert "USING gin" in indexes["artwork_search_prompt"]

    # And back to zero: every migration is reversible.
    result = run_manage("migrate", "gallery", "zero", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
