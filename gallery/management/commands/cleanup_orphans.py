"""List, and with --delete remove, stored uploads without a File row and File rows
whose object is gone (gallery/orphans.py finds them)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from config.progress import progress
from gallery import orphans
from gallery.files import STORAGE_ERRORS


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing.replace(' ', 's ', 1)}"


class Command(BaseCommand):
    help = (
        "Lists objects under uploads/ that have no File row and File rows whose object is"
        " missing; --delete removes them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="Remove what is found (default: only list)."
        )
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Leave objects younger than this alone: an upload in progress writes its"
            " object a moment before its row (default: 60).",
        )

    def handle(self, *args, delete: bool, min_age: int, **options) -> None:
        if min_age < 0:
            raise CommandError("--min-age must be 0 or more minutes.")
        track = partial(progress, stream=self.stderr)
        try:
            found = orphans.find(default_storage, min_age=timedelta(minutes=min_age), track=track)
        except STORAGE_ERRORS as error:
            raise CommandError(
                f"File storage cannot be reached, so nothing was checked: {error}"
            ) from error

        for name in found.objects:
            self.stdout.write(f"object without a row: {name}")
        for pk, name in found.rows:
            self.stdout.write(f"row without an object: File {pk} ({name or 'no name'})")
        if found.young:
            self.stdout.write(
                f"Left alone: {_count(len(found.young), 'object without a row')} younger"
                f" than {min_age} minutes (an upload may still be writing its row)."
            )

        summary = (
            f"{_count(len(found.objects), 'object without a row')},"
            f" {_count(len(found.rows), 'row without an object')}"
        )
        if not found.objects and not found.rows:
            self.stdout.write(f"{summary}: nothing to remove.")
        elif not delete:
            self.stdout.write(f"{summary}: run with --delete to remove them.")
        else:
            try:
                orphans.remove(default_storage, found, track=track)
            except STORAGE_ERRORS as error:
                raise CommandError(
                    f"File storage failed while removing ({summary} found; some may be"
                    f" left): {error}"
                ) from error
            self.stdout.write(f"{summary}: removed.")
