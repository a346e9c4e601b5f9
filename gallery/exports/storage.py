"""Stored exports: their names, versions, ETags and URLs, and the cache in storage.

The image formats are slow enough to be worth keeping, so `cached_export` stores them
in the default storage under `exports/<public_id>/<version>-<theme>.<ext>`; the version
is a hash of what changes the picture (updated_at, size, fps, the renderer), so an edit
gets fresh objects and old ones are pruned on the next render. `delete_exports`
removes an artwork's objects when the artwork goes.
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils.text import slugify

from gallery.exports.raster import render_png, write_gif
from gallery.exports.svg import render_svg
from gallery.exports.themes import DEFAULT_THEME, THEMES, theme_named
from gallery.files import STORAGE_ERRORS  # noqa: F401 (exported from gallery.exports)
from gallery.models import Artwork

# Bump when the output of any renderer changes, so cached exports are drawn again.
RENDERER_VERSION = 1

CONTENT_TYPES = {
    "gif": "image/gif",
    "png": "image/png",
    "svg": "image/svg+xml",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}
FORMATS = frozenset(CONTENT_TYPES)
# Drawn once per version and served from storage; txt and json are cheaper to render
# than to fetch, and do not depend on a theme.
STORED_FORMATS = frozenset({"gif", "png", "svg"})

EXPORTS_PREFIX = "exports"


# --- Versions, names and URLs -------------------------------------------------------


def export_version(artwork: Artwork) -> str:
    """Changes whenever the picture may change: any save (updated_at), size, fps, or a
    new renderer."""
    parts = (
        RENDERER_VERSION,
        artwork.updated_at.isoformat(),
        artwork.width,
        artwork.height,
        artwork.fps,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def export_etag(artwork: Artwork, fmt: str, theme: str = DEFAULT_THEME) -> str:
    """A strong ETag (quoted) for one format and theme of the current version."""
    variant = f"{theme}-{fmt}" if fmt in STORED_FORMATS else fmt
    return f'"{export_version(artwork)}-{variant}"'


def export_storage_name(artwork: Artwork, fmt: str, theme: str = DEFAULT_THEME) -> str:
    return f"{_artwork_prefix(artwork)}/{export_version(artwork)}-{theme}.{fmt}"


def export_filename(artwork: Artwork, fmt: str) -> str:
    """The name a download gets: the prompt as a slug."""
    slug = slugify(artwork.prompt)[:60].strip("-") or f"artwork-{artwork.public_id}"
    return f"{slug}.{fmt}"


def export_url(artwork: Artwork, fmt: str, theme: str | None = None) -> str:
    """The export's path with the version in the query string: shared caches keep
    exports a day, so links that should change with an edit (og:image, download
    buttons) get a new URL with each version."""
    query = f"v={export_version(artwork)[:8]}"
    if theme and theme != DEFAULT_THEME:
        query += f"&theme={theme_named(theme)}"
    return f"{reverse('gallery:export', args=[artwork.public_id, fmt])}?{query}"


def _artwork_prefix(artwork: Artwork) -> str:
    return f"{EXPORTS_PREFIX}/{artwork.public_id}"


# --- Storage --------------------------------------------------------------------------


def _write_export(fp: IO[bytes], artwork: Artwork, fmt: str, theme: str) -> None:
    if fmt == "gif":
        write_gif(fp, artwork.frames, artwork.width, artwork.height, artwork.fps, theme)
    elif fmt == "png":
        fp.write(render_png(artwork.frames, artwork.width, artwork.height, theme))
    elif fmt == "svg":
        svg = render_svg(
            artwork.frames, artwork.width, artwork.height, artwork.fps, theme, artwork.prompt
        )
        fp.write(svg.encode())
    else:
        raise ValueError(f"{fmt!r} exports are not stored.")


def stored_export(artwork: Artwork, fmt: str, theme: str = DEFAULT_THEME) -> str | None:
    """The storage name of this version's GIF, PNG or SVG export if it has been drawn
    and stored already, else None (cheap: one look in the storage, nothing drawn)."""
    if fmt not in STORED_FORMATS or theme not in THEMES:
        raise ValueError(f"No stored {fmt!r} export in the {theme!r} theme.")
    name = export_storage_name(artwork, fmt, theme)
    return name if default_storage.exists(name) else None


def cached_export(artwork: Artwork, fmt: str, theme: str = DEFAULT_THEME) -> tuple[str, str, str]:
    """(storage name, content type, ETag) of a stored GIF, PNG or SVG export, drawn and
    stored first if this version has none yet. Raises ExportTooLarge."""
    if stored := stored_export(artwork, fmt, theme):
        return stored, CONTENT_TYPES[fmt], export_etag(artwork, fmt, theme)
    name = export_storage_name(artwork, fmt, theme)
    # One render per export on any number of app servers: the first request draws
    # while the others wait on a database lock named after the object, then find it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
        if not default_storage.exists(name):
            # Spooled: a big GIF goes to disk rather than sitting in memory twice.
            with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
                _write_export(spool, artwork, fmt, theme)
                spool.seek(0)
                name = default_storage.save(name, File(spool, name=name))
            _prune_other_versions(default_storage, artwork)
    return name, CONTENT_TYPES[fmt], export_etag(artwork, fmt, theme)


def _stored_names(storage: Storage, artwork: Artwork) -> list[str]:
    prefix = _artwork_prefix(artwork)
    try:
        _, files = storage.listdir(prefix)
    except FileNotFoundError:  # a file system storage without the folder
        return []
    return [f"{prefix}/{name}" for name in files]


def _prune_other_versions(storage: Storage, artwork: Artwork) -> None:
    current = f"{_artwork_prefix(artwork)}/{export_version(artwork)}-"
    for name in _stored_names(storage, artwork):
        if not name.startswith(current):
            storage.delete(name)


def delete_exports(artwork: Artwork) -> int:
    """Remove every stored export of the artwork; returns how many. Needs only the
    public_id, so it works on an instance whose row is already deleted: from a
    post_delete receiver, run it with transaction.on_commit(..., robust=True), so a
    rolled-back delete keeps the exports and a storage hiccup cannot fail the delete."""
    names = _stored_names(default_storage, artwork)
    for name in names:
        default_storage.delete(name)
    return len(names)
