"""Import a Convex snapshot export of the original app (gallery/convex_import.py)."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from config.progress import progress
from gallery.convex_import import ConvexImport, write_report
from gallery.files import STORAGE_ERRORS


class Command(BaseCommand):
    help = (
        "Import a Convex snapshot ZIP (a local path, or the name of an object in the"
        " configured storage); a second run updates instead of doubling."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("snapshot", help="The snapshot ZIP: a path, or a storage name.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--report",
            default="convex-import-report.csv",
            help="Where to write the rejected documents and the rules applied (CSV).",
        )

    def handle(self, *args, snapshot: str, dry_run: bool, report: str, **options) -> None:
        with self._opened(snapshot) as path:
            try:
                archive = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as error:
                raise CommandError(f"{snapshot} is not a ZIP file: {error}") from None
            with archive:
                run = ConvexImport(
                    archive,
                    dry_run=dry_run,
                    progress=lambda items, label: progress(items, None, label, self.stderr),
                )
                result = run.run()
        with Path(report).open("w", newline="", encoding="utf-8") as out:
            write_report(result, out)
        for warning in result.warnings:
            self.stderr.write(warning)
        self.stdout.write(result.summary())
        done = "Dry run: nothing was written." if dry_run else "Imported."
        self.stdout.write(
            f"{done} {len(result.rejections)} rejected, {len(result.notes)} rule(s) applied:"
            f" see {report}."
        )

    def _opened(self, snapshot: str):
        """The snapshot as a local file: as it is, or copied from the storage."""
        local = Path(snapshot)
        if local.is_file():
            return _Given(local)
        try:
            if not default_storage.exists(snapshot):
                raise CommandError(f"No file or stored object named {snapshot}.")
            copy = tempfile.NamedTemporaryFile(suffix=".zip")  # noqa: SIM115 (closed by _Copied)
            with default_storage.open(snapshot, "rb") as stored:
                shutil.copyfileobj(stored, copy)
            copy.flush()
        except STORAGE_ERRORS as error:
            raise CommandError(f"The storage cannot be read: {error}") from None
        return _Copied(copy)


class _Given:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        pass


class _Copied:
    def __init__(self, copy) -> None:
        self.copy = copy

    def __enter__(self) -> str:
        return self.copy.name

    def __exit__(self, *exc) -> None:
        self.copy.close()
