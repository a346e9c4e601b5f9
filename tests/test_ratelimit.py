"""config.ratelimit: fixed-window counts in the shared cache."""

from __future__ import annotations

import types

import pytest
from django.core.cache import cache

from config import ratelimit

pytestmark = pytest.mark.django_db  # the cache is a table of the database


@pytest.fixture(autouse=True)
def early_in_the_window(monkeypatch):
    """The counting clock at the start of a window, so that no window ends mid-test."""
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.5))


def test_hits_within_the_limit_pass_and_the_next_waits_for_the_window():
    results = [ratelimit.hit("scope", "who", limit=3, window=600) for _ in range(4)]
    assert results[:3] == [None, None, None]
    assert 1 <= results[3] <= 600


def test_clients_and_scopes_are_counted_apart():
    assert ratelimit.hit("scope", "one", limit=1, window=600) is None
    assert ratelimit.hit("scope", "one", limit=1, window=600) is not None
    assert ratelimit.hit("scope", "two", limit=1, window=600) is None
    assert ratelimit.hit("other", "one", limit=1, window=600) is None


def test_a_limit_of_zero_is_no_limit():
    assert all(ratelimit.hit("scope", "who", limit=0, window=600) is None for _ in range(50))


def test_many_other_cache_keys_do_not_evict_a_clients_count():
    assert ratelimit.hit("scope", "victim", limit=1, window=600) is None
    for number in range(400):
        cache.set(f"zz-filler-{number}", number, 600)
    assert ratelimit.hit("scope", "victim", limit=1, window=600) is not None
