"""Reporting a public artwork or collection to staff: a small form, for anyone.
The rules are on the model (Report.file) and in gallery/access.py (what may be
reported: public work only, 404 for anything else)."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from config import ratelimit
from config.responses import try_later
from gallery import access
from gallery.models import Artwork, Collection
from moderation.forms import ReportForm
from moderation.models import Report

# settings.REPORT_RATE_LIMIT counts reports sent per client in this many seconds.
REPORT_WINDOW = 60 * 60
THANKS = "Thanks, staff will look at it."


@never_cache  # the form carries a CSRF token: never a page for everyone (pagecache.py)
@require_http_methods(["GET", "HEAD", "POST"])
def report_artwork(request: HttpRequest, public_id: str) -> HttpResponse:
    return _report(request, access.listed_artwork(public_id), "artwork")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report_collection(request: HttpRequest, public_id: str) -> HttpResponse:
    return _report(request, access.listed_collection(public_id), "collection")


def _report(request: HttpRequest, target: Artwork | Collection, kind: str) -> HttpResponse:
    reporter = request.user if request.user.is_authenticated else None
    report = Report(reporter=reporter, **Report.target_fields(target))
    if request.method != "POST":
        form = ReportForm(instance=report)
        return _form_page(request, form, target, kind)
    # Every report sent counts, good or bad: the form is open to anyone.
    wait = ratelimit.hit(
        "report",
        ratelimit.client(request),
        limit=settings.REPORT_RATE_LIMIT,
        window=REPORT_WINDOW,
    )
    if wait is not None:
        return _too_many_reports(request, target, kind, wait)
    form = ReportForm(request.POST, instance=report)
    if not form.is_valid():
        return _form_page(request, form, target, kind, status=400)
    if form.instance.file():
        messages.success(request, THANKS)
    else:
        messages.info(request, f"You have already reported this {kind}; staff will look at it.")
    return redirect(target)


def _form_page(
    request: HttpRequest, form: ReportForm, target, kind: str, status: int = 200
) -> HttpResponse:
    context = {"form": form, "target": target, "kind": kind}
    return render(request, "moderation/report.html", context, status=status)


def _too_many_reports(request: HttpRequest, target, kind: str, wait: int) -> HttpResponse:
    minutes = max(1, math.ceil(wait / 60))
    return try_later(
        request,
        status=429,
        retry_after=wait,
        heading="Too many reports",
        message=(
            "You have sent many reports in the last hour. Please try again in"
            f" {minutes} minute{'s' if minutes > 1 else ''}."
        ),
        back_url=target.get_absolute_url(),
        back_label=f"Back to the {kind}",
    )
