"""What cards show, and trending's order, stored with each artwork (issue 12).

The three generated columns are added in one ALTER TABLE, so that a large table is
rewritten once, not three times; the state operations say the same to Django. The
rewrite holds an exclusive lock on the table: at a million artworks, minutes during
which the site cannot read artworks (plan the release for it, docs/benchmarks.md).
"""

import django.db.models.fields.json
import django.db.models.lookups
from django.db import migrations, models

import gallery.expressions

ADD_COLUMNS = """
ALTER TABLE "gallery_artwork"
    ADD COLUMN "poster_frame" text GENERATED ALWAYS AS (("frames" ->> 0)) STORED,
    ADD COLUMN "frame_count" integer GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof("frames") = 'array' THEN jsonb_array_length("frames") ELSE 0 END
    ) STORED,
    ADD COLUMN "trending_key" double precision GENERATED ALWAYS AS (
        (LN(GREATEST(3 * "likes_count" + "views_count" + 1, 1)::double precision) / LN(2)
         + EXTRACT(EPOCH FROM ("created_at" AT TIME ZONE 'UTC'))::double precision
           / 172800.0)
    ) STORED
"""
DROP_COLUMNS = """
ALTER TABLE "gallery_artwork"
    DROP COLUMN "poster_frame", DROP COLUMN "frame_count", DROP COLUMN "trending_key"
"""


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0008_index_started_jobs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD_COLUMNS, DROP_COLUMNS)],
            state_operations=[
                migrations.AddField(
                    model_name="artwork",
                    name="poster_frame",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.fields.json.KeyTextTransform("0", "frames"),
                        output_field=models.TextField(),
                    ),
                ),
                migrations.AddField(
                    model_name="artwork",
                    name="frame_count",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=models.Case(
                            models.When(
                                django.db.models.lookups.Exact(
                                    gallery.expressions.JsonbTypeof("frames"), "array"
                                ),
                                then=gallery.expressions.JsonbArrayLength("frames"),
                            ),
                            default=0,
                        ),
                        output_field=models.PositiveIntegerField(),
                        verbose_name="frame count",
                    ),
                ),
                migrations.AddField(
                    model_name="artwork",
                    name="trending_key",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=gallery.expressions.TrendingKey(
                            "likes_count", "views_count", "created_at", half_life_hours=48
                        ),
                        output_field=models.FloatField(),
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="artwork",
            index=models.Index(
                models.OrderBy(models.F("trending_key"), descending=True),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("visibility", "public")),
                name="artwork_trending",
            ),
        ),
    ]
