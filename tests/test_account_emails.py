"""Account emails are sent by a job: a page that sends mail only queues it, a worker
process sends it, and a failing mail server is retried."""

from __future__ import annotations

import json
import smtplib
import socket

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts import tasks
from config.services import email_settings_from_url
from tests.workers import run_worker

PASSWORD = "correct horse battery staple 42"


def email_jobs(to: str) -> list[str]:
    # Job rows outlive transactional tests (Procrastinate's tables are not flushed):
    # look only at this test's recipient.
    return list(
        ProcrastinateJob.objects.filter(task_name=tasks.send_email.name, args__to=[to])
        .order_by("id")
        .values_list("status", flat=True)
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_job_queue")
def test_a_signup_queues_its_email_and_a_worker_process_sends_it(client, settings, tmp_path):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(
        reverse("account_signup"),
        {
            "email": "ada@example.com",
            "username": "ada",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert mail.outbox == []  # nothing sent while the page was answering
    assert email_jobs("ada@example.com") == ["todo"]
    # The confirmation link signs someone in: it is not readable in the job's row.
    job = ProcrastinateJob.objects.get(task_name=tasks.send_email.name)
    assert "confirm-email" not in json.dumps(job.args)

    run_worker(EMAIL_URL=f"file://{tmp_path}")
    assert email_jobs("ada@example.com") == ["succeeded"]
    [sent] = tmp_path.iterdir()
    message = sent.read_text()
    assert "To: ada@example.com" in message
    assert "/accounts/confirm-email/" in message  # the link, rendered in the request


@pytest.mark.django_db
def test_a_rolled_back_request_queues_no_email(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": owner.email})
    assert len(callbacks) == 1  # queued only when the request's transaction commits
    assert email_jobs(owner.email) == []
    assert mail.outbox == []


def test_the_job_sends_the_rendered_parts(settings):
    from django.core.mail import EmailMultiAlternatives

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rendered = EmailMultiAlternatives(
        "[site] Hello", "plain", "site <noreply@example.org>", ["ada@example.com"],
        headers={"X-Test": "1"},
    )  # fmt: skip
    rendered.attach_alternative("<p>rich</p>", "text/html")
    tasks.send_email(to=["ada@example.com"], sealed=tasks.seal(rendered))
    [message] = mail.outbox
    assert (message.subject, message.body, message.to) == (
        "[site] Hello",
        "plain",
        ["ada@example.com"],
    )
    assert message.alternatives[0][0] == "<p>rich</p>"
    assert message.extra_headers == {"X-Test": "1"}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (smtplib.SMTPServerDisconnected("gone"), True),
        (ConnectionRefusedError(), True),
        (smtplib.SMTPResponseException(451, b"try later"), True),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (452, b"mailbox full")}), True),
    ],
)
def test_only_temporary_mail_failures_are_tried_again(error, expected):
    assert tasks.temporary(error) is expected


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_job_queue")
def test_an_unreachable_mail_server_is_tried_again_later(client, owner):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    response = client.post(reverse("account_reset_password"), {"email": owner.email})
    assert response.status_code == 302  # the page did not wait for the mail server

    run_worker(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    job = ProcrastinateJob.objects.get(task_name=tasks.send_email.name, args__to=[owner.email])
    assert (job.status, job.attempts) == ("todo", 1)  # failed once, queued again
    assert job.scheduled_at > timezone.now()  # after a wait
    # Not left for the workers of later tests (job rows outlive this test).
    assert app.job_manager.cancel_job_by_id(job.id, delete_job=True)


def test_email_url_file_scheme_writes_messages_to_a_folder():
    assert email_settings_from_url("file:///var/mail/site") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/site",
    }
    with pytest.raises(Exception, match="file:///absolute"):
        email_settings_from_url("file://relative/folder")
