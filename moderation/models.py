"""Reports: a visitor tells staff that a public artwork or collection breaks the rules;
staff close each report by hiding its target or dismissing it (moderation/admin.py).

As in gallery/models.py, the rules are written twice: as validators for the form's
messages and as check constraints, so that no code path stores a bad row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

from gallery import frames as frame_rules
from gallery.models import Artwork, Collection

MAX_DETAILS = 1000


def validate_details(text: str) -> None:
    bad = frame_rules.bad_character(text)
    if bad:
        raise ValidationError(
            "The details contain %(bad)s; use printable characters.",
            code="details_bad_character",
            params={"bad": bad},
        )


class Reason(models.TextChoices):
    SPAM = "spam", "Spam"
    HATEFUL = "hateful", "Hateful or harassing"
    SEXUAL_OR_VIOLENT = "sexual_violent", "Sexual or violent content"
    COPYRIGHT = "copyright", "Copyright, or someone else's work"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    HIDDEN = "hidden", "Hidden"  # its target was made private
    DISMISSED = "dismissed", "Dismissed"


class ReportQuerySet(models.QuerySet):
    def open(self) -> ReportQuerySet:
        """Reports no staff member has closed yet."""
        return self.filter(status=Status.OPEN)

    def about(self, target: Artwork | Collection) -> ReportQuerySet:
        return self.filter(**Report.target_fields(target))

    def resolve(self, status: str, by) -> int:
        """Close the open ones of these reports as `status` (hidden or dismissed), by
        staff member `by`; returns how many were closed. Closed reports stay closed."""
        if status == Status.OPEN:
            raise ValueError("A report is resolved as hidden or dismissed.")
        return self.open().update(status=status, resolved_at=timezone.now(), resolved_by=by)


class Report(models.Model):
    # Anonymous visitors may report too; a deleted account leaves its reports behind.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_made",
    )
    # Exactly one of the two (report_has_one_target); a report goes with its target.
    artwork = models.ForeignKey(
        Artwork, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(MAX_DETAILS), validate_details],
        help_text="What staff should look at, if the reason does not say it all.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_resolved",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The admin's default list: open reports, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status=Status.OPEN),
                name="report_open_by_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(artwork__isnull=False, collection__isnull=True)
                | Q(artwork__isnull=True, collection__isnull=False),
                name="report_has_one_target",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=Reason.values),
                name="report_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="report_status_valid",
            ),
            # An open report is unresolved; a closed one says when it was closed.
            models.CheckConstraint(
                condition=Q(status=Status.OPEN, resolved_at__isnull=True)
                | (~Q(status=Status.OPEN) & Q(resolved_at__isnull=False)),
                name="report_resolved_when_closed",
            ),
            models.CheckConstraint(
                condition=models.lookups.LessThanOrEqual(Length("details"), MAX_DETAILS),
                name="report_details_length",
            ),
            # One open report per signed-in reporter and target (Report.file).
            models.UniqueConstraint(
                fields=["reporter", "artwork"],
                condition=Q(status=Status.OPEN),
                name="report_open_once_per_artwork",
            ),
            models.UniqueConstraint(
                fields=["reporter", "collection"],
                condition=Q(status=Status.OPEN),
                name="report_open_once_per_collection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} about {self.target}"

    @property
    def target(self) -> Artwork | Collection:
        return self.artwork if self.artwork_id is not None else self.collection

    @staticmethod
    def target_fields(target: Artwork | Collection) -> dict[str, Artwork | Collection]:
        """The field that points at `target`, for filters and new reports."""
        return {"artwork": target} if isinstance(target, Artwork) else {"collection": target}

    def file(self) -> bool:
        """Save this new report, unless its reporter (when signed in) has an open report
        about the same target already; returns whether it was saved. Anonymous visitors
        cannot be told apart: the rate limit is what bounds their reports."""
        if self.reporter_id is not None and (
            Report.objects.open().about(self.target).filter(reporter=self.reporter_id).exists()
        ):
            return False
        try:
            with transaction.atomic():
                self.save()
        except IntegrityError as error:
            # The same report sent twice at once: the second insert meets the first.
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
            if constraint not in ONE_OPEN_REPORT:
                raise
            return False
        return True


ONE_OPEN_REPORT = ("report_open_once_per_artwork", "report_open_once_per_collection")
