"""Compute the vectors artworks lack (gallery/similarity.py), in batches, with a
progress bar; run it again after an interruption and it carries on where it stopped."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from config.progress import progress
from gallery import embeddings, similarity
from gallery.models import Artwork


class Command(BaseCommand):
    help = (
        "Embed the artworks that have no vector of the model yet; with --stale also those"
        " whose words or frames changed since, with --force every one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--model",
            help=f"The vectors to make: {embeddings.LOCAL_MODEL} or openai-compatible:<name>"
            " (default: the configured provider's).",
        )
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Also embed again the artworks changed since their vector was made"
            " (reads every artwork's frames).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Embed every artwork again, changed or not."
        )
        parser.add_argument(
            "--after-id",
            type=int,
            default=0,
            metavar="ID",
            help="Start after this artwork id: to carry on with an interrupted run.",
        )
        parser.add_argument("--batch-size", type=int, default=200, metavar="N")

    def handle(self, *args, model: str | None, stale: bool, force: bool, after_id: int,
               batch_size: int, **options):  # fmt: skip
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        try:
            provider = embeddings.provider(model)
        except embeddings.EmbeddingError as error:
            message = str(error)
            raise CommandError(f"{message[:1].upper()}{message[1:]}.") from None
        todo = Artwork.objects.all() if force or stale else similarity.missing(provider.model)
        todo = todo.filter(pk__gt=after_id)
        total = todo.count()
        started = time.monotonic()
        embedded = 0
        # By id, in batches: each batch is stored before the next is read, so an
        # interrupted run loses one batch at most and a rerun skips what is done.
        ids = todo.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=batch_size)
        batch: list[int] = []
        done_up_to = after_id
        try:
            for pk in progress(ids, total, f"Embedding ({provider.model})", self.stderr):
                batch.append(pk)
                if len(batch) == batch_size:
                    embedded += self._embed(batch, provider, force)
                    done_up_to, batch = batch[-1], []
            if batch:
                embedded += self._embed(batch, provider, force)
        except (KeyboardInterrupt, CommandError):
            self.stderr.write(
                f"Stopped after artwork {done_up_to}: what was embedded is kept; carry on"
                f" with --after-id {done_up_to} (and the same options)."
            )
            raise
        left = similarity.missing(provider.model).count()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Embedded {embedded:,} of {total:,} artwork(s) with {provider.model}"
            f" in {seconds:.1f} s; {left:,} without a vector."
        )

    def _embed(self, ids: list[int], provider, force: bool) -> int:
        artworks = list(Artwork.objects.filter(pk__in=ids).only("pk", "prompt", "style", "frames"))
        try:
            return similarity.embed_artworks(artworks, provider=provider, force=force)
        except embeddings.EmbeddingError as error:
            raise CommandError(f"Stopped: {error}.") from error
