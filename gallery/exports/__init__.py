"""Artwork exports: an animated GIF, a PNG poster, a CSS-animated SVG, text and JSON.

The render_* functions are pure: frames and numbers in, bytes or text out.

- `raster`: the character grid, the GIF and the PNG.
- `svg`: the CSS-animated SVG.
- `text`: the frames as text, and JSON.
- `storage`: export names, versions, ETags and URLs, and the stored-export cache.
- `themes`: the colours an export can be drawn in.
- `jobs`: exports too big to draw in a request, drawn by a background job (imported
  on its own, `from gallery.exports import jobs`, as it registers a Procrastinate task).

Callers import the public names from here, not from the modules.
"""

from gallery.exports.raster import (
    ExportTooLarge,
    Grid,
    gif_durations,
    gif_font_size,
    grid,
    render_gif,
    render_placeholder_png,
    render_png,
    write_gif,
)
from gallery.exports.storage import (
    CONTENT_TYPES,
    FORMATS,
    RENDERER_VERSION,
    STORAGE_ERRORS,
    STORED_FORMATS,
    cached_export,
    delete_exports,
    export_etag,
    export_filename,
    export_storage_name,
    export_url,
    export_version,
    stored_export,
)
from gallery.exports.svg import render_svg
from gallery.exports.text import render_json, render_txt
from gallery.exports.themes import DEFAULT_THEME, THEMES, Theme, theme_named

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_THEME",
    "FORMATS",
    "RENDERER_VERSION",
    "STORAGE_ERRORS",
    "STORED_FORMATS",
    "THEMES",
    "ExportTooLarge",
    "Grid",
    "Theme",
    "cached_export",
    "delete_exports",
    "export_etag",
    "export_filename",
    "export_storage_name",
    "export_url",
    "export_version",
    "gif_durations",
    "gif_font_size",
    "grid",
    "render_gif",
    "render_json",
    "render_placeholder_png",
    "render_png",
    "render_svg",
    "render_txt",
    "stored_export",
    "theme_named",
    "write_gif",
]
