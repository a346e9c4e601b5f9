"""SQL expressions the models need and Django does not ship: the search vector's
pieces, jsonb checks for the frames, the stored key of trending; and the markers
that search headlines put around matches.

The migrations name some of these as gallery.models.<name>, so gallery.models imports
them, and they must stay importable from there.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func

# Control characters that cannot occur in a prompt (frames.py refuses them): safe
# markers for the search highlights, turned into <mark> after HTML-escaping.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"


class TrendingKey(Func):
    """log2(3 * likes + views + 1) + created_epoch / half_life, for a stored column.

    Ordering by it is ordering by the decaying score (3 * likes + views + 1) *
    0.5 ^ (age / half_life): the log2 of that score is this key minus now / half_life,
    a term every row shares. So the key never needs recomputing as time passes, only
    when the counters change. The epoch is read in UTC, which keeps it immutable;
    GREATEST keeps a negative counter a constraint error, not a log error.
    """

    output_field = models.FloatField()

    def __init__(self, likes, views, created, *, half_life_hours: int) -> None:
        super().__init__(likes, views, created)
        self.half_life_seconds = float(half_life_hours * 3600)

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(source) for source in self.get_source_expressions()]
        likes, views, created = (sql for sql, _ in compiled)
        params = [param for _, source_params in compiled for param in source_params]
        sql = (
            f"(LN(GREATEST(3 * {likes} + {views} + 1, 1)::double precision) / LN(2)"
            f" + EXTRACT(EPOCH FROM ({created} AT TIME ZONE 'UTC'))::double precision"
            f" / {self.half_life_seconds!r})"
        )
        return sql, params


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
