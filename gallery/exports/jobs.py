"""Exports too big to draw within a request are drawn by a background job.

The request that finds such an export missing queues one `render_export` job (after
its transaction commits) and answers 202; the job draws and stores it through
`cached_export`, whose advisory lock keeps it to one render per export however many
workers and app servers there are; the next request is served from storage. Small
exports are still drawn in the request (GIF_SYNC_MAX_CELLS says where the line is).
"""

from __future__ import annotations

import contextlib
import logging
from functools import partial

from django.db import transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

from gallery.exports.raster import GIF_SYNC_MAX_CELLS, ExportTooLarge, gif_font_size
from gallery.exports.storage import STORAGE_ERRORS, cached_export, export_storage_name
from gallery.models import Artwork

logger = logging.getLogger(__name__)

# An unreachable store is retried after 4, 8, 16 ... 512 s: about 17 minutes in all.
STORAGE_RETRY = RetryStrategy(max_attempts=9, exponential_wait=2, retry_exceptions=STORAGE_ERRORS)


def renders_in_background(artwork: Artwork, fmt: str) -> bool:
    """Whether drawing this export would hold a request too long, so that a job draws
    it. Raises ExportTooLarge for a GIF that cannot be drawn at all, before anything
    is queued or counted."""
    if fmt != "gif":
        return False
    gif_font_size(len(artwork.frames), artwork.width, artwork.height)
    return len(artwork.frames) * artwork.width * artwork.height > GIF_SYNC_MAX_CELLS


def render_queued(artwork: Artwork, fmt: str, theme: str) -> bool:
    """Whether a job for this version's export is waiting or running."""
    return ProcrastinateJob.objects.filter(
        task_name=render_export.name,
        queueing_lock=export_storage_name(artwork, fmt, theme),
        status__in=("todo", "doing"),
    ).exists()


def defer_render(artwork: Artwork, fmt: str, theme: str) -> None:
    """Queue the render once the current transaction commits. The storage name is the
    job's queueing lock, so two requests at once still queue one job."""
    name = export_storage_name(artwork, fmt, theme)
    transaction.on_commit(partial(_defer, name, artwork.public_id, fmt, theme))


def _defer(name: str, public_id: str, fmt: str, theme: str) -> None:
    # AlreadyEnqueued: another request queued it a moment ago; one render is enough.
    with contextlib.suppress(AlreadyEnqueued):
        render_export.configure(queueing_lock=name).defer(public_id=public_id, fmt=fmt, theme=theme)


@app.task(queue="exports", retry=STORAGE_RETRY)
def render_export(public_id: str, fmt: str, theme: str) -> None:
    """Draw and store the current version of an export; nothing when it is stored
    already or the artwork is gone. An edit since the request just means the new
    version is drawn, which is what the next request asks for."""
    artwork = Artwork.objects.filter(public_id=public_id).first()
    if artwork is None:
        return
    try:
        cached_export(artwork, fmt, theme)
    except ExportTooLarge as error:  # edited to a size no GIF can have: nothing to do
        logger.info("Export %s of %s not drawn: %s", fmt, public_id, error)
