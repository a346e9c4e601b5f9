"""Delete view records older than the counting window. A worker runs this daily by
itself (gallery/tasks.py); the command is for running it by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gallery.engagement import VIEW_WINDOW, prune_view_log


class Command(BaseCommand):
    help = "Deletes artwork view records that no longer affect counting (over 24 hours old)."

    def handle(self, *args, **options) -> None:
        deleted = prune_view_log()
        self.stdout.write(f"Deleted {deleted} view record(s) older than {VIEW_WINDOW}.")
