"""An index for /healthz: when a worker last started a job (the latest 'started' event),
answered from the index instead of scanning a week of job events."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0007_generation_status"),
        ("procrastinate", "0041_post_retry_failed_job"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS gallery_job_started_at"
            " ON procrastinate_events (at) WHERE type = 'started'",
            reverse_sql="DROP INDEX IF EXISTS gallery_job_started_at",
        ),
    ]
