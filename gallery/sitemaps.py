"""What search engines read: `sitemap.xml` (an index of one section per kind of public
page) and `robots.txt`.

Only public pages are in it: listed artworks, public collections, and the profiles of
active creators with at least one public artwork (a profile with nothing public is an
empty page to a search engine, and naming it would only list who has an account).

A section's pages are ranges of primary keys (page p holds the rows with pk in
((p - 1) * limit, p * limit]), not offsets: a page is one range scan of the primary key
at any depth, the index needs no count of the rows (only the highest pk), and an
artwork stays on the same page as others come and go, so crawlers see stable pages.
A page may hold fewer than `limit` entries, or none, where rows were deleted or are
not public.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Exists, Max, OuterRef
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.models import User
from gallery import pagecache
from gallery.models import Artwork, Collection

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest


@dataclass
class _Page:
    object_list: QuerySet


class PkRangePaginator:
    """The part of Django's Paginator that sitemaps use (num_pages, page()), by ranges
    of primary keys instead of offsets."""

    def __init__(self, queryset: QuerySet, per_page: int):
        self.queryset = queryset
        self.per_page = per_page

    @cached_property
    def num_pages(self) -> int:
        highest = self.queryset.aggregate(highest=Max("pk"))["highest"] or 0
        return max(1, -(-highest // self.per_page))

    def page(self, number) -> _Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results")
        start = (number - 1) * self.per_page
        rows = self.queryset.filter(pk__gt=start, pk__lte=start + self.per_page).order_by("pk")
        return _Page(rows)


class PublicSitemap(Sitemap):
    @property
    def paginator(self) -> PkRangePaginator:
        return PkRangePaginator(self.items(), self.limit)

    def get_latest_lastmod(self) -> None:
        # The framework would read every row to find it; the index goes without.
        return None


class ArtworkSitemap(PublicSitemap):
    def items(self) -> QuerySet:
        return Artwork.objects.listed().only("pk", "public_id", "updated_at")

    def lastmod(self, artwork: Artwork):
        return artwork.updated_at


class CollectionSitemap(PublicSitemap):
    def items(self) -> QuerySet:
        return Collection.objects.listed().only("pk", "public_id", "updated_at")

    def lastmod(self, collection: Collection):
        return collection.updated_at


class ProfileSitemap(PublicSitemap):
    def items(self) -> QuerySet:
        # One probe of artwork_listed_by_user per user.
        has_public = Exists(Artwork.objects.listed().filter(owner=OuterRef("pk")))
        return User.objects.filter(has_public, is_active=True).only("pk", "username")

    def location(self, user: User) -> str:
        return reverse("accounts:profile", args=[user.username])


SECTIONS = {
    "artworks": ArtworkSitemap,
    "collections": CollectionSitemap,
    "profiles": ProfileSitemap,
}


@require_safe
@pagecache.for_visitors
def index(request: HttpRequest) -> HttpResponse:
    response = sitemap_views.index(request, SECTIONS, sitemap_url_name="gallery:sitemap_section")
    return response.render()


@require_safe
@pagecache.for_visitors
def section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, SECTIONS, section=section).render()


# Places no search result should lead to: the signed-in areas, secret share links,
# framed players, the report forms and the machinery. Exports stay allowed: the PNG is
# every artwork's preview image (og:image), which link unfurlers fetch.
DISALLOWED = (
    "/studio/",
    "/settings/",
    "/accounts/",
    "/admin/",
    "/s/",
    "/a/*/embed/",
    "/a/*/report/",
    "/c/*/report/",
    "/a/*/like/",
    "/a/*/remix/",
    "/oembed",
    "/healthz",
)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOWED),
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('gallery:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
