"""SQL expressions the models need and Django does not ship: the search vector's
pieces, jsonb checks for the frames, an artwork's age for trending; and the markers
that search headlines put around matches.

The migrations name some of these as gallery.models.<name>, so gallery.models imports
them, and they must stay importable from there.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func

# Control characters that cannot occur in a prompt (frames.py refuses them): safe
# markers for the search highlights, turned into <mark> after HTML-escaping.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"


class AgeInHours(Func):
    """Hours between a timestamp column and `now`, as a float."""

    template = "(EXTRACT(EPOCH FROM (%%(now)s::timestamptz - %(expressions)s)) / 3600.0)"
    output_field = models.FloatField()

    def __init__(self, expression, *, now: datetime) -> None:
        super().__init__(expression)
        self.now = now

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql.replace("%(now)s", "%s", 1), [self.now, *params]


class JsonbArrayLength(Func):
    function = "jsonb_array_length"
    output_field = models.IntegerField()


class JsonbTypeof(Func):
    function = "jsonb_typeof"
    output_field = models.TextField()


class JsonbStringsToTsvector(Func):
    """to_tsvector over every string in a jsonb value (immutable, so usable in a
    generated column, unlike array_to_string)."""

    template = "jsonb_to_tsvector('english'::regconfig, %(expressions)s, '[\"string\"]')"
    output_field = SearchVectorField()


class SetWeight(Func):
    function = "setweight"
    output_field = SearchVectorField()


class TsvectorConcat(Func):
    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = SearchVectorField()
