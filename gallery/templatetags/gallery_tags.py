from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from accounts.models import Provider
from gallery.exports import export_url
from gallery.expressions import HIGHLIGHT_START, HIGHLIGHT_STOP
from gallery.frames import frames_url
from gallery.models import CONVERSION_PROVIDER

register = template.Library()


@register.filter
def highlight(snippet: str) -> SafeString:
    """A search snippet as safe HTML: the text escaped, the matches in <mark>."""
    html = escape(snippet).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(html)


@register.simple_tag(takes_context=True)
def query_string(context, **changes) -> str:
    """The current query string with `changes` applied (None removes a key), e.g. for
    pagination links that keep the search and the tab."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key, "")


@register.simple_tag(name="export_url")
def export_url_tag(artwork, fmt: str, download: bool = False) -> str:
    """The versioned export URL (changes with every edit, so caches never go stale)."""
    url = export_url(artwork, fmt)
    return f"{url}&download=1" if download else url


@register.simple_tag(name="frames_url")
def frames_url_tag(artwork) -> str:
    """Where the player fetches the frames (versioned, so caches may keep them for good)."""
    return frames_url(artwork)


# The studio menu item each studio page sits under, by URL name: a page deeper than the
# menu (an artwork's shares, one picture, one collection) still shows where it belongs.
STUDIO_MENU = {
    "studio": "artworks",
    "studio_edit": "artworks",
    "studio_delete": "artworks",
    "studio_shares": "artworks",
    "studio_new": "new",
    "remix": "new",
    "studio_generate": "generate",
    "studio_files": "files",
    "studio_file": "files",
    "studio_file_delete": "files",
    "studio_collections": "collections",
    "studio_collection": "collections",
    "studio_collection_delete": "collections",
    "studio_generations": "generations",
    "studio_generation": "generations",
}


@register.filter
def studio_menu_item(url_name: str | None) -> str:
    return STUDIO_MENU.get(url_name or "", "")


# How each way of making an artwork is said to a visitor (made_with).
MADE_WITH = {
    "manual": "Drawn by hand",
    "remix": "A remix",
    CONVERSION_PROVIDER: "Converted from a picture",
}


@register.filter
def made_with(artwork) -> str:
    """How it was made, as a visitor would say it, not the stored generator name."""
    if artwork.generator == "procedural":
        return f"Generated: the {artwork.model} scene" if artwork.model else "Generated"
    if artwork.generator in Provider.values:
        return f"Drawn by an AI model ({Provider(artwork.generator).label})"
    return MADE_WITH.get(artwork.generator, "Drawn by hand")


@register.filter
def duration(artwork) -> str:
    """How long one play lasts: "0.25 s", "4.8 s", "12 s", "1 min 12 s"."""
    seconds = artwork.frame_count / artwork.fps
    if seconds < 60:
        shown = f"{seconds:.2f}" if seconds < 10 else f"{seconds:.0f}"
        return shown.rstrip("0").rstrip(".") + " s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


@register.filter
def ago(moment) -> str:
    """ "3 days ago", "just now": the largest unit only."""
    if timezone.now() - moment < timezone.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
