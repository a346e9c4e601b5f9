"""Collections may be unlisted, as artworks are: open to anyone with the URL, listed
nowhere.

Going back, an unlisted collection becomes private: the old choices have no place
for it, and hiding it is the direction that publishes nothing."""

from django.db import migrations, models


def unlisted_to_private(apps, schema_editor):
    Collection = apps.get_model("gallery", "Collection")
    Collection.objects.filter(visibility="unlisted").update(visibility="private")


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0013_embedding_source_digest"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="collection",
            name="collection_visibility_valid",
        ),
        # Reversed after the old choices are back and before the old constraint is.
        migrations.RunPython(migrations.RunPython.noop, unlisted_to_private),
        migrations.AlterField(
            model_name="collection",
            name="visibility",
            field=models.CharField(
                choices=[("public", "Public"), ("unlisted", "Unlisted"), ("private", "Private")],
                default="public",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="collection",
            constraint=models.CheckConstraint(
                condition=models.Q(("visibility__in", ["public", "unlisted", "private"])),
                name="collection_visibility_valid",
            ),
        ),
    ]
