"""Whole numbers from request input: query strings and form fields parsed by hand.

`int()` accepts more than a URL should: any Unicode decimal digit ("١٢" is 12, while
"²" passes `str.isdigit()` and then fails in `int()`), underscores, surrounding
spaces, and strings of any length (past about 4,300 digits it raises, and each digit
costs time before that). Here a number is an optional sign and ASCII digits only, and
its size is settled from the digit count before `int()` ever sees it. Every view that
reads a number itself goes through `parse_int`; Django form fields and the `<int:...>`
path converter do their own (ASCII-only) parsing.
"""

from __future__ import annotations

import re

# Longer than any number someone means to write: refused as junk without a look.
MAX_LENGTH = 1000
# Numbers with more significant digits than this are beyond any bound we use (the
# largest fits a PostgreSQL bigint), so they are never converted.
MAX_DIGITS = 18

_WHOLE_NUMBER = re.compile(r"([+-]?)0*([0-9]+)")


class InvalidNumber(ValueError):
    """Not a whole number, or out of range. The caller answers 400, or 404 when the
    number names an object."""


def parse_int(
    value: str | None,
    *,
    default: int | None = None,
    low: int | None = None,
    high: int | None = None,
    cap: int | None = None,
) -> int | None:
    """The whole number written in `value`, or `default` when it is absent or empty.

    Below `low` or above `high` raises `InvalidNumber`; above `cap` becomes `cap` (for
    limits such as a maximum width, where "more than we allow" means "as much as we
    allow"). Without `high` or `cap`, more than MAX_DIGITS digits raises."""
    if high is not None and cap is not None:
        raise TypeError("Pass high (refuse larger numbers) or cap (clamp them), not both.")
    if value is None or value == "":
        return default
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        raise InvalidNumber("Not a whole number.")
    match = _WHOLE_NUMBER.fullmatch(value)
    if match is None:
        raise InvalidNumber("Not a whole number.")
    sign, digits = match.groups()
    negative = sign == "-" and digits != "0"
    if len(digits) > MAX_DIGITS:
        if cap is not None and not negative:
            return cap
        raise InvalidNumber("The number is out of range.")
    number = -int(digits) if negative else int(digits)
    if low is not None and number < low:
        raise InvalidNumber(f"The number must be at least {low}.")
    if high is not None and number > high:
        raise InvalidNumber(f"The number must be at most {high}.")
    if cap is not None and number > cap:
        return cap
    return number


# Past any real page: Paginator.get_page shows the last page for it.
MAX_PAGE = 10**9


def page_number(value: str | None) -> int:
    """A `?page=` value for Paginator.get_page: junk is the first page, a number past
    the end the last (what a visitor who edits the URL expects, not an error)."""
    try:
        return parse_int(value, default=1, low=1, cap=MAX_PAGE)
    except InvalidNumber:
        return 1
