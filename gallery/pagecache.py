"""Whole pages kept for anonymous visitors, so that a busy gallery renders each page
once every PAGE_CACHE_SECONDS instead of once per visitor.

Only a request without a session cookie and without messages is served from the cache
or stored in it: such a request is anonymous without a look at the session, and it is
shown what every anonymous visitor is shown. Signed-in visitors always carry a session
cookie, so they never see a page rendered for someone else, nor leave theirs behind. A
page that set anything on the client (a CSRF token it used, a session it wrote) is not
stored.

The bodies live in each process's own memory (the `pages` cache). Their keys carry a
version kept in the shared cache: every change to what the gallery shows
(signals.py) replaces it, so that every process forgets its pages at once. The
lifetime bounds what no version follows: like and view counts, and a change made
by a bulk UPDATE elsewhere.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PAGES = "pages"
VERSION_KEY = "pagecache:version"
MESSAGES_COOKIE = "messages"  # the cookie storage of django.contrib.messages
# Held by the thread that renews an expired page (one per process at a time).
_renewing = threading.Lock()
# What a stored page may answer with, besides its body and status.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "X-Robots-Tag",
    "Cache-Control",
    "Content-Security-Policy",  # an embed's, which lets other sites frame it
)


def for_anyone(request: HttpRequest) -> bool:
    """Whether `request` may be answered with (and its answer kept as) the page any
    anonymous visitor gets."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.COOKIES.keys() & {settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE}
    )


def forget_all() -> None:
    """Every process's pages go stale now (once the current transaction commits). If
    the shared cache cannot be reached, the change is saved all the same and the pages
    expire within PAGE_CACHE_SECONDS (robust: the failure is logged)."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, secrets.token_hex(8), None), robust=True)


def serve(request: HttpRequest, render: Callable[[], HttpResponse], *parts) -> HttpResponse:
    """The page for `request` from the cache, else `render()`ed and kept there if any
    anonymous visitor may be given it. `parts`: what else the page depends on besides
    its full path."""
    if not for_anyone(request):
        return render()
    key = _page_key(request, parts)
    if key is None:
        return render()
    stored = caches[PAGES].get(key)
    if stored is not None:
        fresh_until, page = stored
        # Past its lifetime, one thread of this process renders it again while the
        # others go on serving it: a page never has every worker rendering at once.
        if time.time() < fresh_until or not _renewing.acquire(blocking=False):
            return _response(page)
        try:
            return _keep_page(request, key, render())
        finally:
            _renewing.release()
    return _keep_page(request, key, render())


def for_visitors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache `view`'s pages for anonymous visitors, by full path."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return serve(request, lambda: view(request, *args, **kwargs))

    return wrapper


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # First use, or culled from the shared cache: a random one, never a number
        # that pages from before could still be stored under. `add`, so that two
        # processes starting together agree.
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(VERSION_KEY)
    return version


def _page_key(request: HttpRequest, parts: tuple) -> str | None:
    """The version, the page's absolute URL and `parts`, hashed; None while the shared
    cache cannot be reached (the page is then rendered, as if there were no cache).
    The scheme and host are in it because pages print absolute URLs (canonical links,
    embed snippets), and a request for another allowed spelling of the host must not
    leave its links in everyone's page."""
    try:
        version = _version()
    except Exception:
        logger.warning("The page cache's version could not be read.", exc_info=True)
        return None
    if version is None:
        return None  # a shared cache that keeps nothing could never forget a page
    text = "\n".join(map(str, (version, request.build_absolute_uri(), *parts)))
    return "page:" + hashlib.sha256(text.encode()).hexdigest()


def _response(page: tuple) -> HttpResponse:
    status, headers, content = page
    return HttpResponse(content, status=status, headers=headers)


def _keep_page(request: HttpRequest, key: str, response: HttpResponse) -> HttpResponse:
    """Store `response` under `key` unless it is not the same for everyone."""
    touched_client = (
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (hasattr(request, "session") and request.session.modified)
        or response.cookies
    )
    cache_control = response.get("Cache-Control", "").lower()
    private = "private" in cache_control or "no-store" in cache_control
    if response.status_code == 200 and not response.streaming and not (touched_client or private):
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        page = (response.status_code, headers, response.content)
        lifetime = settings.PAGE_CACHE_SECONDS
        # Kept twice its lifetime, so that it can be served while it is renewed.
        caches[PAGES].set(key, (time.time() + lifetime, page), 2 * lifetime)
    return response
