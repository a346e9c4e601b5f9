"""Hiding reported work: staff make its target private, every open report about it is
closed as hidden, and its owner is told by email (sent by a job: accounts/tasks.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.tasks import defer_email
from gallery import pagecache
from gallery.models import Artwork, Collection, Visibility
from moderation.models import Report, Status

if TYPE_CHECKING:
    from django.http import HttpRequest

    from moderation.models import ReportQuerySet


def hide_targets(reports: ReportQuerySet, request: HttpRequest) -> tuple[int, int]:
    """Hide what `reports` are about, as staff member `request.user`. Returns how many
    artworks and collections were made private (their owners are emailed; one already
    private is left alone and its owner not told again) and how many reports closed."""
    artwork_ids = reports.filter(artwork__isnull=False).values("artwork_id")
    collection_ids = reports.filter(collection__isnull=False).values("collection_id")
    targets = [
        *Artwork.objects.filter(pk__in=artwork_ids)
        .defer("frames", "search_vector")
        .select_related("owner"),
        *Collection.objects.filter(pk__in=collection_ids).select_related("owner"),
    ]
    made_private = closed = 0
    for target in targets:
        with transaction.atomic():
            about = Report.objects.about(target)
            reasons = sorted(
                {report.get_reason_display() for report in about.open().only("reason")}
            )
            if _make_private(target):
                made_private += 1
                _tell_owner(request, target, reasons)
            closed += about.resolve(Status.HIDDEN, by=request.user)
    return made_private, closed


def _make_private(target: Artwork | Collection) -> bool:
    """Make `target` private unless it is already; whether it changed. Cached pages are
    forgotten once that is committed."""
    if isinstance(target, Artwork):
        return Artwork.objects.filter(pk=target.pk).set_visibility(Visibility.PRIVATE) > 0
    changed = (
        Collection.objects.filter(pk=target.pk)
        .exclude(visibility=Collection.Visibility.PRIVATE)
        .update(visibility=Collection.Visibility.PRIVATE, updated_at=timezone.now())
    )
    if changed:
        pagecache.forget_all()  # an update() sends no signal (gallery/signals.py)
    return changed > 0


def _tell_owner(request: HttpRequest, target: Artwork | Collection, reasons: list[str]) -> None:
    if isinstance(target, Artwork):
        kind, title = "artwork", target.prompt
        studio_url = reverse("gallery:studio_edit", args=[target.public_id])
    else:
        kind, title = "collection", target.name
        studio_url = reverse("gallery:studio_collection", args=[target.public_id])
    context = {
        "site_name": settings.SITE_NAME,
        "owner": target.owner,
        "kind": kind,
        "title": title,
        "reasons": reasons,
        "studio_url": request.build_absolute_uri(studio_url),
    }
    subject = render_to_string("moderation/email/hidden_subject.txt", context)
    body = render_to_string("moderation/email/hidden_message.txt", context)
    message = EmailMessage(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [target.owner.email]
    )
    defer_email(message)  # sent by a job once the change is committed
