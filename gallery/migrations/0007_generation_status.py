"""Generations run as background jobs: a status (queued, running, done, failed) takes
the place of `success`, and the row keeps the request a worker runs.

Old rows were all finished: a success is done, anything else failed."""

from django.db import migrations, models

STATUS_CHOICES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]


def status_from_success(apps, schema_editor):
    Generation = apps.get_model("gallery", "Generation")
    Generation.objects.filter(success=True).update(status="done")
    Generation.objects.filter(success=False).update(status="failed")


def success_from_status(apps, schema_editor):
    Generation = apps.get_model("gallery", "Generation")
    Generation.objects.filter(status="done").update(success=True)
    Generation.objects.exclude(status="done").update(success=False)


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0006_generation_result"),
    ]

    operations = [
        # A default, so that going back can add the column to a table with rows.
        migrations.AlterField(
            model_name="generation",
            name="success",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="generation",
            name="status",
            field=models.CharField(choices=STATUS_CHOICES, default="queued", max_length=10),
        ),
        migrations.RunPython(status_from_success, success_from_status),
        migrations.RemoveField(
            model_name="generation",
            name="success",
        ),
        migrations.AddField(
            model_name="generation",
            name="request",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="generation",
            name="started_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="generation",
            name="finished_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="generation",
            name="duration_ms",
            field=models.PositiveIntegerField(
                default=0, help_text="How long the provider took, on the last try."
            ),
        ),
        migrations.AddConstraint(
            model_name="generation",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["queued", "running", "done", "failed"])),
                name="generation_status_ok",
            ),
        ),
    ]
