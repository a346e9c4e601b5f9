"""Reports: anyone may report a public artwork or collection; nothing else can be
reported (404, as if it did not exist); bad input, floods and repeats write nothing."""

from __future__ import annotations

import types
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import ratelimit
from gallery.models import Artwork
from moderation.models import MAX_DETAILS, Report, ReportQuerySet, Status
from tests.emails import emails_sent_by_jobs
from tests.factories import make_artwork, make_collection, make_user

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


@pytest.mark.parametrize("visibility", ["private", "unlisted"])
@pytest.mark.parametrize("viewer", [None, "other_user", "owner", "staff_user"])
def test_only_public_collections_can_be_reported(client, request, owner, visibility, viewer):
    hidden = make_collection(owner, visibility=visibility)
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    assert client.get(report_url(hidden)).status_code == 404
    assert client.post(report_url(hidden), {"reason": "spam"}).status_code == 404
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


# --- Staff: the admin's open reports, hide and dismiss ------------------------------------


def changelist(**params) -> str:
    url = reverse("admin:moderation_report_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def run_action(client, action: str, *reports):
    return client.post(
        changelist(), {"action": action, "_selected_action": [r.pk for r in reports]}
    )


def file_report(target, reporter=None, reason="spam", **fields) -> Report:
    report = Report(reporter=reporter, reason=reason, **Report.target_fields(target), **fields)
    assert report.file()
    return report


def test_the_admin_lists_open_reports_newest_first(admin_client_, artwork, collection):
    old = file_report(artwork, details="first look")
    new = file_report(collection, reason="hateful", details="rude words " * 20)
    done = file_report(make_artwork(prompt="already handled"))
    Report.objects.filter(pk=done.pk).resolve(Status.DISMISSED, by=None)

    response = admin_client_.get(changelist())
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [new.pk, old.pk]
    html = response.content.decode()
    admin_url = reverse("admin:gallery_artwork_change", args=[artwork.pk])
    assert f'<a href="{admin_url}">a lighthouse blinking in the fog' in html
    assert f'<a href="{artwork.get_absolute_url()}">public page</a>' in html
    assert "Hateful or harassing" in html
    assert "rude words rude words" in html and ("rude words " * 20) not in html  # excerpt
    assert "already handled" not in html

    everything = admin_client_.get(changelist(status="all"))
    assert len(everything.context["cl"].result_list) == 3
    dismissed = admin_client_.get(changelist(status="dismissed"))
    assert [r.pk for r in dismissed.context["cl"].result_list] == [done.pk]


def test_hiding_makes_the_artwork_private_closes_its_reports_and_tells_the_owner(
    admin_client_, superuser, owner, other_user, artwork, django_capture_on_commit_callbacks
):
    first = file_report(artwork, reporter=other_user, reason="spam")
    second = file_report(artwork, reason="copyright")
    elsewhere = file_report(make_artwork(prompt="a harbour seal waving"))
    with emails_sent_by_jobs(django_capture_on_commit_callbacks):
        response = run_action(admin_client_, "hide", first)
    assert response.status_code == 302
    follow = admin_client_.get(response["Location"]).content.decode()
    assert "1 artwork(s) or collection(s) made private" in follow
    assert "2 open report(s) about them closed as hidden" in follow

    # Visitors no longer find it; its owner still does, marked private.
    visitor = Client()
    assert visitor.get(artwork.get_absolute_url()).status_code == 404
    home = visitor.get(reverse("gallery:home"))
    assert home.status_code == 200
    assert "a harbour seal waving" in home.content.decode()  # the list, with others in it
    assert artwork.prompt not in home.content.decode()
    creator = Client()
    creator.force_login(owner)
    own_page = creator.get(artwork.get_absolute_url())
    assert own_page.status_code == 200
    assert '<span class="badge">Private</span>' in own_page.content.decode()

    # Every open report about it is closed as hidden, by whom and when; others stay open.
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.resolved_by) == (Status.HIDDEN, superuser)
        assert report.resolved_at is not None
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.OPEN

    # One email to the owner, sent by the job, saying what happened and where it is.
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert email.subject == "[asciigallery] Your artwork is now private"
    assert "“a lighthouse blinking in the fog”" in email.body
    assert "(copyright, or someone else's work, spam)" in email.body
    studio = reverse("gallery:studio_edit", args=[artwork.public_id])
    assert f"http://testserver{studio}" in email.body
    assert other_user.email not in email.body  # reporters stay unnamed


def test_hiding_a_collection_makes_it_private_and_tells_the_owner(
    admin_client_, owner, collection, django_capture_on_commit_callbacks
):
    report = file_report(collection, reason="hateful")
    visitor = Client()
    assert visitor.get(collection.get_absolute_url()).status_code == 200
    with emails_sent_by_jobs(django_capture_on_commit_callbacks):
        run_action(admin_client_, "hide", report)
    assert visitor.get(collection.get_absolute_url()).status_code == 404
    report.refresh_from_db()
    assert report.status == Status.HIDDEN
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert "Your collection is now private" in email.subject
    assert "“Foggy coasts”" in email.body


@pytest.mark.parametrize("target", ["artwork", "collection"])
def test_hidden_work_is_forgotten_by_the_page_cache(
    request, admin_client_, target, page_cache, django_capture_on_commit_callbacks
):
    target = request.getfixturevalue(target)
    report = file_report(target)
    visitor = Client()
    assert visitor.get(target.get_absolute_url()).status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client_, "hide", report)
    assert visitor.get(target.get_absolute_url()).status_code == 404


def test_hiding_what_is_already_private_closes_the_reports_without_an_email(
    admin_client_, artwork, django_capture_on_commit_callbacks
):
    report = file_report(artwork)
    Artwork.objects.filter(pk=artwork.pk).set_visibility("private")  # by its owner
    with emails_sent_by_jobs(django_capture_on_commit_callbacks):
        run_action(admin_client_, "hide", report)
    report.refresh_from_db()
    assert report.status == Status.HIDDEN
    assert mail.outbox == []


def test_dismissing_closes_only_the_selected_reports(admin_client_, superuser, artwork):
    chosen, kept = file_report(artwork), file_report(artwork, reason="other")
    response = run_action(admin_client_, "dismiss", chosen)
    assert response.status_code == 302
    chosen.refresh_from_db()
    kept.refresh_from_db()
    assert (chosen.status, chosen.resolved_by) == (Status.DISMISSED, superuser)
    assert kept.status == Status.OPEN
    assert Client().get(artwork.get_absolute_url()).status_code == 200  # still public
    # A closed report stays closed: hiding or dismissing again leaves it as it was.
    run_action(admin_client_, "dismiss", chosen)
    chosen.refresh_from_db()
    assert chosen.status == Status.DISMISSED


def staff_with(*codenames: str):
    user = make_user(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_who_may_only_view_reports_can_run_neither_action(client, artwork):
    report = file_report(artwork)
    client.force_login(staff_with("view_report", "change_artwork", "change_collection"))
    page = client.get(changelist())
    assert page.status_code == 200
    assert "a lighthouse blinking in the fog" in page.content.decode()  # the report is listed
    assert 'value="hide"' not in page.content.decode()
    assert 'value="dismiss"' not in page.content.decode()
    for action in ("hide", "dismiss"):
        run_action(client, action, report)
    report.refresh_from_db()
    assert report.status == Status.OPEN
    assert Client().get(artwork.get_absolute_url()).status_code == 200


def test_staff_who_may_change_reports_but_not_artworks_may_dismiss_not_hide(client, artwork):
    report = file_report(artwork)
    client.force_login(staff_with("view_report", "change_report"))
    page = client.get(changelist()).content.decode()
    assert 'value="dismiss"' in page
    assert 'value="hide"' not in page
    run_action(client, "hide", report)
    report.refresh_from_db()
    assert report.status == Status.OPEN
    assert Client().get(artwork.get_absolute_url()).status_code == 200
    run_action(client, "dismiss", report)
    report.refresh_from_db()
    assert report.status == Status.DISMISSED


def test_staff_with_every_permission_may_hide(client, artwork):
    report = file_report(artwork)
    client.force_login(
        staff_with("view_report", "change_report", "change_artwork", "change_collection")
    )
    assert 'value="hide"' in client.get(changelist()).content.decode()
    run_action(client, "hide", report)
    assert Client().get(artwork.get_absolute_url()).status_code == 404


def test_reports_are_not_added_or_edited_in_the_admin(admin_client_, artwork):
    report = file_report(artwork, details="look")
    assert admin_client_.get(reverse("admin:moderation_report_add")).status_code == 403
    change = reverse("admin:moderation_report_change", args=[report.pk])
    page = admin_client_.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h2>Spam about a lighthouse blinking in the fog" in html
    assert 'name="status"' not in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    admin_client_.post(change, {"status": "dismissed", "details": "changed"})
    report.refresh_from_db()
    assert (report.status, report.details) == (Status.OPEN, "look")


# --- The links on the artwork and collection pages ---------------------------------------


def test_the_cached_artwork_page_links_to_the_report_form_without_a_csrf_token(artwork, page_cache):
    visitor = Client()
    for _ in range(2):  # rendered, then served from the page cache
        response = visitor.get(artwork.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert "<h1>a lighthouse blinking in the fog</h1>" in html
        assert f'<a href="{report_url(artwork)}">Report this artwork</a>' in html
        assert "csrfmiddlewaretoken" not in html
        assert "csrftoken" not in response.cookies
    assert len(page_cache._cache) == 1  # the page was kept for every visitor


def test_the_collection_page_links_to_the_report_form(client, other_user, collection):
    for viewer in (None, other_user):
        if viewer:
            client.force_login(viewer)
        response = client.get(collection.get_absolute_url())
        assert response.status_code == 200
        assert "<h1>Foggy coasts</h1>" in response.content.decode()
        assert f'href="{report_url(collection)}"' in response.content.decode()


@pytest.mark.parametrize("visibility", ["unlisted", "private"])
def test_work_that_is_not_public_has_no_report_link(client, owner, visibility):
    art = make_artwork(owner, prompt="a secret garden", visibility=visibility)
    client.force_login(owner)  # who may open it whatever its visibility
    page = client.get(art.get_absolute_url())
    assert page.status_code == 200
    assert "<h1>a secret garden</h1>" in page.content.decode()
    assert "Report this artwork" not in page.content.decode()
    coll = make_collection(owner, name="Secret places", visibility=visibility)
    client.logout()  # an unlisted collection opens for anyone; a private one for its owner
    if visibility == "private":
        client.force_login(owner)
    page = client.get(coll.get_absolute_url())
    assert "<h1>Secret places</h1>" in page.content.decode()
    assert "Report this collection" not in page.content.decode()


def test_owners_are_not_offered_to_report_their_own_work(client, owner, artwork, collection):
    client.force_login(owner)
    for target, heading in ((artwork, artwork.prompt), (collection, collection.name)):
        page = client.get(target.get_absolute_url())
        assert page.status_code == 200
        assert f"<h1>{heading}</h1>" in page.content.decode()
        assert report_url(target) not in page.content.decode()
