"""artwork_by_visibility gains the id, so that the gallery's newest-first order is the
index's own and a deep page skips its rows in the index alone (issue 12)."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # built CONCURRENTLY: the table stays writable at a million rows

    dependencies = [
        ("gallery", "0010_artwork_listed_by_user"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="artwork", name="artwork_by_visibility"),
        AddIndexConcurrently(
            model_name="artwork",
            index=models.Index(
                fields=["visibility", "-created_at", "-id"], name="artwork_by_visibility"
            ),
        ),
    ]
