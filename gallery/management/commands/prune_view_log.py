"""Delete view records older than the counting window; run daily (e.g. from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from gallery.engagement import VIEW_WINDOW
from gallery.models import ArtworkView


class Command(BaseCommand):
    help = "Deletes artwork view records that no longer affect counting (over 24 hours old)."

    def handle(self, *args, **options) -> None:
        deleted, _ = ArtworkView.objects.filter(
            counted_at__lt=timezone.now() - VIEW_WINDOW
        ).delete()
        self.stdout.write(f"Deleted {deleted} view record(s) older than {VIEW_WINDOW}.")
