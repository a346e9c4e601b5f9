"""Downloads of an artwork as GIF, PNG, SVG, text or JSON (rendering: gallery/exports/)."""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from config import ratelimit
from config.responses import try_later
from gallery import access, exports
from gallery.exports import jobs as export_jobs
from gallery.models import Artwork, Visibility

# Anyone with the URL may see public and unlisted exports, so shared caches may keep
# them a day (links that must follow edits carry the version: exports.export_url). A
# private one is never kept by a shared cache, or the next visitor of a proxy would
# get the owner's art, and the browser asks again each time (a 304 is cheap).
PUBLIC_CACHE_CONTROL = "public, max-age=86400"
PRIVATE_CACHE_CONTROL = "private, max-age=0, must-revalidate"
UNVERSIONED_CACHE_CONTROL = "public, max-age=300"
# An SVG opened on its own is a document of this site: allow its inline style only.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
STORAGE_ERRORS = exports.STORAGE_ERRORS
# Seconds a client is asked to wait when the file store is failing.
STORAGE_RETRY_AFTER = 30
# settings.EXPORT_RENDER_RATE_LIMIT counts new renders per client in this many seconds.
EXPORT_RENDER_WINDOW = 10 * 60
# Seconds before the "being prepared" page (or an <img>) asks again for an export that
# a job is drawing: a big GIF takes one to three seconds once a worker has it.
PENDING_RETRY_AFTER = 5

logger = logging.getLogger(__name__)


@require_safe
def export(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404("No such export format.")
    art = access.artwork_for_viewer(request.user, public_id)
    theme = exports.theme_named(request.GET.get("theme"))

    headers = HttpResponse()
    headers["ETag"] = exports.export_etag(art, fmt, theme)
    if art.visibility == Visibility.PRIVATE:
        headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    elif request.GET.get("v") == exports.export_version(art)[:8]:
        # A versioned URL never changes content: caches may keep it a day.
        headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    else:
        # The bare URL (a README's image, an old og:image) follows edits and
        # visibility changes within minutes.
        headers["Cache-Control"] = UNVERSIONED_CACHE_CONTROL
    conditional = get_conditional_response(request, etag=headers["ETag"], response=headers)
    if conditional is not headers:
        return conditional  # 304 (or 412), with the ETag and Cache-Control above

    if fmt in exports.STORED_FORMATS:
        try:
            # Stored ones are always served; drawing a new one costs seconds of CPU
            # (a big GIF, twice per edit with the themes), so those are rate limited.
            name = exports.stored_export(art, fmt, theme)
            if name is None:
                # Too big to draw here: a job draws it; asking again while it waits
                # or runs costs nothing more.
                in_background = export_jobs.renders_in_background(art, fmt)
                if in_background and export_jobs.render_queued(art, fmt, theme):
                    return render_pending(request, art, fmt, theme)
                # A queued render is CPU all the same: both count.
                wait = ratelimit.hit(
                    "export-render",
                    ratelimit.client(request),
                    limit=settings.EXPORT_RENDER_RATE_LIMIT,
                    window=EXPORT_RENDER_WINDOW,
                )
                if wait is not None:
                    return too_many_renders(request, art.get_absolute_url(), wait)
                if in_background:
                    export_jobs.defer_render(art, fmt, theme)
                    return render_pending(request, art, fmt, theme)
                name, _, _ = exports.cached_export(art, fmt, theme)
            # Opened here, so that a failing store is a 503 rather than a broken download.
            response = FileResponse(
                default_storage.open(name, "rb"), content_type=exports.CONTENT_TYPES[fmt]
            )
        except exports.ExportTooLarge as error:
            return HttpResponse(str(error), status=413, content_type="text/plain; charset=utf-8")
        except STORAGE_ERRORS as error:
            logger.error("Export %s of %s: storage is failing: %s", fmt, art.public_id, error)
            return storage_unavailable(request, art.get_absolute_url())
    elif fmt == "txt":
        response = HttpResponse(
            exports.render_txt(art.frames), content_type=exports.CONTENT_TYPES[fmt]
        )
    else:
        url = request.build_absolute_uri(art.get_absolute_url())
        response = HttpResponse(
            exports.render_json(art, url), content_type=exports.CONTENT_TYPES[fmt]
        )

    for header in ("ETag", "Cache-Control"):
        response[header] = headers[header]
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=request.GET.get("download") == "1",
        filename=exports.export_filename(art, fmt),
    )
    if fmt == "svg":
        response["Content-Security-Policy"] = SVG_POLICY
    return response


def render_pending(request: HttpRequest, art: Artwork, fmt: str, theme: str) -> HttpResponse:
    """202 while a job draws the export. An image request (an <img>, og:image
    crawlers) gets a stand-in poster: the first frame drawn small; a person (a link
    opened, a download asked for) gets a page that refreshes itself until the file is
    there. Neither is stored anywhere, so the real file is fetched next time."""
    if not _wants_an_image(request):
        response = render(
            request,
            "gallery/export_pending.html",
            {
                "artwork": art,
                "fmt": fmt.upper(),
                "refresh_seconds": PENDING_RETRY_AFTER,
                "retry_path": request.get_full_path(),
            },
            status=202,
        )
    else:
        poster = exports.render_placeholder_png(art.frames, art.width, art.height, theme)
        response = HttpResponse(poster, status=202, content_type=exports.CONTENT_TYPES["png"])
    response["Retry-After"] = str(PENDING_RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def _wants_an_image(request: HttpRequest) -> bool:
    if request.GET.get("download") == "1":
        return False  # a download saved as a poster would be the wrong file
    if request.headers.get("Sec-Fetch-Dest") == "image":
        return True
    accept = request.headers.get("Accept", "")
    return accept.startswith("image/") or "text/html" not in accept


def storage_unavailable(request: HttpRequest, back_url: str) -> HttpResponse:
    return try_later(
        request,
        status=503,
        retry_after=STORAGE_RETRY_AFTER,
        heading="Downloads are temporarily unavailable",
        message=(
            "The file store is not answering, so this file cannot be made or fetched"
            " right now. The artwork still plays on its page; please try the download"
            " again in a minute."
        ),
        retry_path=request.get_full_path(),
        back_url=back_url,
        back_label="Back to the artwork",
    )


def too_many_renders(request: HttpRequest, back_url: str, wait: int) -> HttpResponse:
    minutes = max(1, math.ceil(wait / 60))
    return try_later(
        request,
        status=429,
        retry_after=wait,
        heading="Too many new downloads",
        message=(
            "This file has not been made yet, and you have asked for many new ones in"
            f" the last few minutes. Please try again in {minutes} minute"
            f"{'s' if minutes > 1 else ''}; downloads that are ready are always served."
        ),
        back_url=back_url,
        back_label="Back to the artwork",
    )
