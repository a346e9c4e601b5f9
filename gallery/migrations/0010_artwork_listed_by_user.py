"""A profile's listed artworks from one partial index: the page in order, and the count
and like sum by an index-only scan (issue 12)."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # built CONCURRENTLY: the table stays writable at a million rows

    dependencies = [
        ("gallery", "0009_artwork_card_columns"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="artwork",
            index=models.Index(
                condition=models.Q(("visibility", "public")),
                fields=["owner", "-created_at", "-id"],
                include=("likes_count",),
                name="artwork_listed_by_user",
            ),
        ),
    ]
