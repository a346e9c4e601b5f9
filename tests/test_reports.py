"""Reports: anyone may report a public artwork or collection; nothing else can be
reported (404, as if it did not exist); bad input, floods and repeats write nothing."""

from __future__ import annotations

import types

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import ratelimit
from moderation.models import MAX_DETAILS, Report, ReportQuerySet, Status
from tests.factories import make_artwork, make_collection

pytestmark = pytest.mark.django_db

THANKS = "Thanks, staff will look at it."


def report_url(target) -> str:
    if hasattr(target, "prompt"):
        return reverse("moderation:report_artwork", args=[target.public_id])
    return reverse("moderation:report_collection", args=[target.public_id])


@pytest.fixture
def artwork(owner):
    return make_artwork(owner, prompt="a lighthouse blinking in the fog")


@pytest.fixture
def collection(owner, artwork):
    return make_collection(owner, artworks=[artwork], name="Foggy coasts")


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The rate limit's clock at the start of a window, so that no window ends mid-test."""
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.5))


# --- Reporting -------------------------------------------------------------------------


def test_an_anonymous_visitor_reports_a_public_artwork(csrf_client, artwork):
    url = report_url(artwork)
    page = csrf_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Report “a lighthouse blinking in the fog”" in html
    assert '<label for="id_details">' in html
    assert 'type="radio" name="reason" value="spam"' in html
    token = csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(
        url,
        {"reason": "spam", "details": "Sells pills.", "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert response.redirect_chain == [(artwork.get_absolute_url(), 302)]
    assert THANKS in response.content.decode()
    report = Report.objects.get()
    assert (report.artwork, report.collection, report.reporter) == (artwork, None, None)
    assert (report.reason, report.details, report.status) == ("spam", "Sells pills.", "open")


def test_a_signed_in_visitor_reports_a_public_collection(client, other_user, collection):
    client.force_login(other_user)
    assert client.get(report_url(collection)).status_code == 200
    response = client.post(report_url(collection), {"reason": "copyright"}, follow=True)
    assert response.redirect_chain == [(collection.get_absolute_url(), 302)]
    assert THANKS in response.content.decode()
    report = Report.objects.get()
    assert (report.collection, report.artwork, report.reporter) == (collection, None, other_user)
    assert report.get_reason_display() == "Copyright, or someone else's work"


def test_an_anonymous_visitor_reports_a_public_collection(client, collection):
    response = client.post(report_url(collection), {"reason": "hateful", "details": ""})
    assert response.status_code == 302
    assert Report.objects.get().collection == collection


def test_the_report_page_is_never_cached(client, artwork, page_cache):
    # It carries a CSRF token: no cache may give it to another visitor.
    page = client.get(report_url(artwork))
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert {"no-store", "private"} <= {part.strip() for part in page["Cache-Control"].split(",")}


@pytest.mark.parametrize("visibility", ["private", "unlisted"])
@pytest.mark.parametrize("viewer", [None, "other_user", "owner", "staff_user"])
def test_only_public_artworks_can_be_reported(client, request, owner, visibility, viewer):
    hidden = make_artwork(owner, visibility=visibility)
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    assert client.get(report_url(hidden)).status_code == 404
    assert client.post(report_url(hidden), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.parametrize("viewer", [None, "owner", "staff_user"])
def test_a_private_collection_cannot_be_reported(client, request, owner, viewer):
    private = make_collection(owner, visibility="private")
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    assert client.get(report_url(private)).status_code == 404
    assert client.post(report_url(private), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.parametrize("route", ["moderation:report_artwork", "moderation:report_collection"])
def test_reporting_something_missing_answers_404(client, route):
    url = reverse(route, args=["nOSuchId0123"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"reason": "boring"}, "Select a valid choice."),
        ({"reason": ["spam", "boring"]}, "Select a valid choice."),
        ({"reason": "spam", "details": "x" * (MAX_DETAILS + 1)}, "at most 1000 characters"),
        ({"reason": "other", "details": "look\x1b[31m here"}, "the control character U+001B"),
        ({"reason": "other", "details": "hidden\u202eword"}, "the control character U+202E"),
    ],
)
def test_bad_input_answers_400_and_writes_nothing(client, artwork, data, message):
    response = client.post(report_url(artwork), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Report this artwork" in html  # the form again, with what is wrong
    assert message in html
    assert not Report.objects.exists()


def test_details_of_1000_characters_are_kept_line_breaks_counting_one(client, artwork):
    lines = ["word " * 19 + "word"] * 10  # 10 lines of 99 characters, 9 line breaks
    details = "\n".join(lines) + "!"
    assert len(details) == MAX_DETAILS
    # As a browser sends it: CRLF line breaks, over 1000 characters as sent.
    sent = details.replace("\n", "\r\n")
    response = client.post(report_url(artwork), {"reason": "other", "details": sent})
    assert response.status_code == 302
    assert Report.objects.get().details == details


def test_reports_over_the_rate_limit_answer_429_and_write_nothing(settings, owner, collection):
    settings.REPORT_RATE_LIMIT = 2
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    artworks = [make_artwork(owner) for _ in range(3)]
    for art in artworks[:2]:
        assert visitor.post(report_url(art), {"reason": "spam"}).status_code == 302

    refused = visitor.post(report_url(artworks[2]), {"reason": "spam"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "Too many reports" in refused.content.decode()
    # The same count covers collections; another visitor is not held up.
    assert visitor.post(report_url(collection), {"reason": "spam"}).status_code == 429
    assert Report.objects.count() == 2
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    assert neighbour.post(report_url(artworks[2]), {"reason": "spam"}).status_code == 302
    assert Report.objects.count() == 3


def test_no_rate_limit_when_it_is_zero(settings, artwork):
    settings.REPORT_RATE_LIMIT = 0
    visitor = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(12):
        assert visitor.post(report_url(artwork), {"reason": "spam"}).status_code == 302
    assert Report.objects.count() == 12


def test_a_second_report_while_the_first_is_open_is_not_filed(client, other_user, artwork):
    client.force_login(other_user)
    client.post(report_url(artwork), {"reason": "spam"})
    response = client.post(report_url(artwork), {"reason": "other"}, follow=True)
    assert response.status_code == 200
    assert "You have already reported this artwork" in response.content.decode()
    assert list(Report.objects.values_list("reason", flat=True)) == ["spam"]

    # Once staff have closed it, the same visitor may report it again.
    Report.objects.resolve(Status.DISMISSED, by=None)
    client.post(report_url(artwork), {"reason": "other"})
    assert sorted(Report.objects.values_list("reason", flat=True)) == ["other", "spam"]


def test_a_report_sent_twice_at_once_is_filed_once(monkeypatch, other_user, artwork):
    assert Report(reporter=other_user, artwork=artwork, reason="spam").file() is True
    # The second request checked before the first one was saved: the database refuses it.
    monkeypatch.setattr(ReportQuerySet, "open", lambda self: self.none())
    assert Report(reporter=other_user, artwork=artwork, reason="other").file() is False
    assert list(Report.objects.values_list("reason", flat=True)) == ["spam"]
    # Any other refusal is not taken for a repeat.
    with pytest.raises(IntegrityError):
        Report(reporter=other_user, reason="other").file()


@pytest.mark.parametrize(
    "fields",
    [
        {"collection": "both"},
        {"artwork": None},
        {"reason": "boring"},
        {"status": "closed", "resolved_at": timezone.now()},
        {"status": "open", "resolved_at": timezone.now()},
        {"status": "dismissed"},
        {"details": "x" * (MAX_DETAILS + 1)},
    ],
)
def test_the_database_refuses_bad_reports(artwork, collection, fields):
    values = {"artwork": artwork, "reason": "spam", **fields}
    if values.get("collection") == "both":
        values["collection"] = collection
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(**values)
