"""artwork_by_visibility gains the id, so that the gallery's newest-first order is the
index's own and a deep page skips its rows in the index alone (issue 12)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0010_artwork_listed_by_user"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="artwork", name="artwork_by_visibility"),
        migrations.AddIndex(
            model_name="artwork",
            index=models.Index(
                fields=["visibility", "-created_at", "-id"], name="artwork_by_visibility"
            ),
        ),
    ]
