"""Rate limits counted in Django's cache, which every app server shares (a table of
the database by default, Redis with REDIS_URL), so a client's count is the same
whichever server it reaches.

Counts are per fixed window (say the 10 minutes from 12:00 to 12:10): cheap, one
cache key per client and window, and a client may at most double its rate across a
window's edge. Redis counts exactly; the database cache increments by reading and
writing, so hits of one client at the very same moment may count once. Either way a
client cannot keep going over the limit.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache
from django.http import HttpRequest

from config.clientip import client_key


def hit(scope: str, who: str, *, limit: int, window: int) -> int | None:
    """Count one hit of `who` (a user or an address) on `scope`. None while it is
    within `limit` hits per `window` seconds; over it, the seconds until the window
    ends (for Retry-After), and the hit is not counted. A limit of 0 is no limit."""
    if limit <= 0:
        return None
    now = time.time()
    start = int(now // window) * window
    seconds_left = max(1, math.ceil(start + window - now))
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{start}:{digest}"
    # The key lives until its window ends, and a minute more for app servers whose
    # clocks differ a little.
    if cache.get(key, 0) >= limit:
        return seconds_left
    cache.add(key, 0, timeout=seconds_left + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds_left + 60)
        count = 1
    return seconds_left if count > limit else None


def client(request: HttpRequest) -> str:
    """Whom a rate limit counts: the account when signed in, else the address (an
    IPv6 client's /64 network: config.clientip.client_key)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"address:{client_key(request)}"
