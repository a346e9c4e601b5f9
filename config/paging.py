"""Pagination that never counts a million rows, nor reads the rows it skips.

Django's Paginator runs COUNT(*) over everything the list could show; at a million
artworks that alone takes longer than the rest of the page. CappedPaginator counts at
most `max_pages` pages' worth (a LIMIT inside the count), and a list longer than that
says "Page 3 of many" and ends at its last counted page. Visitors who mean to go that
deep search or pick a tab instead.

Counting stops COUNTED_AHEAD pages past the page asked for: page 1 of the gallery
counts 265 rows, not 12,001. A page is read in one query that finds its ids first
(`WHERE id IN (SELECT id ... OFFSET n LIMIT 24)`): the skipped rows come from an index
alone, and only the page's own rows are read and joined. At page 400 of 100,000
artworks: 18 ms before, 1 ms.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

MAX_PAGES = 500
# Pages counted past the one asked for: a short list says "Page 3 of 7", a long one
# "Page 3 of many", and counting never reads many more rows than the page skips.
COUNTED_AHEAD = 10


class CappedPaginator(Paginator):
    def __init__(
        self,
        object_list,
        per_page: int,
        *,
        max_pages: int | None = None,
        count: int | None = None,
        whole: bool = False,
        **kwargs,
    ):
        """`count`: the number of items when the caller has counted them already;
        `whole`: count as far as `max_pages` reach, not only COUNTED_AHEAD pages past
        the page asked for (for a list whose count is shown and known to be short)."""
        super().__init__(object_list, per_page, **kwargs)
        self.max_pages = max_pages or MAX_PAGES
        self.cap = self.max_pages * per_page
        self.count_ahead_only = count is None and not whole
        if count is not None:
            self.counted = count

    def get_page(self, number: int) -> Page:
        """The page `number` (a whole number, config.params.page_number), counting
        only as far as COUNTED_AHEAD pages past it unless told otherwise."""
        if self.count_ahead_only:
            ahead = max(number, 1) + COUNTED_AHEAD
            self.cap = min(self.max_pages, ahead) * self.per_page
        return super().get_page(number)

    @cached_property
    def counted(self) -> int:
        """Up to one more than the cap: only the rows count, not their order or
        annotations (search ranks, say)."""
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)

    @property
    def capped(self) -> bool:
        """Whether there are more items than the pages reach."""
        return self.counted > self.cap
