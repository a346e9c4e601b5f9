"""Account emails (verification, login codes, password resets) are sent by a job, so a
slow or failing mail server never holds up a page: the request renders the message
(its links need the request) and queues it once its transaction commits.

The message travels sealed: its links and codes sign someone in, and job rows stay in
the database for days and show in the admin, so only the recipient is stored in clear.
"""

from __future__ import annotations

import json
import smtplib

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from accounts.archives import build_archive  # noqa: F401 (registers the task)
from accounts.crypto import decrypt, encrypt

# Tries in all, waiting 4, 8, 16 ... 1024 s between them: about half an hour.
MAX_ATTEMPTS = 10


def temporary(error: BaseException) -> bool:
    """Whether a mail failure may pass by itself: the server unreachable, gone away or
    answering 4xx. A 5xx (bad credentials, a refused address) will not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPServerDisconnected, OSError))


class TemporaryMailFailure(BaseRetryStrategy):
    """Exponential backoff for temporary failures only. A retry after a server accepted
    a message but dropped the connection before saying so may send it twice; that
    beats never."""

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        if job.attempts + 1 >= MAX_ATTEMPTS or not temporary(exception):
            return None
        return RetryDecision(retry_in={"seconds": 4 * 2**job.attempts})


def seal(message: EmailMessage) -> str:
    """Everything of `message` but its recipients, encrypted (accounts/crypto.py)."""
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        None,
    )
    parts = {
        "subject": message.subject,
        "body": message.body,
        "body_is_html": message.content_subtype == "html",
        "html": html,
        "from_email": message.from_email,
        "headers": dict(message.extra_headers),
    }
    return encrypt(json.dumps(parts))


def defer_email(message: EmailMessage) -> None:
    """Send `message` from a job once the current transaction commits."""
    to, sealed = list(message.to), seal(message)
    transaction.on_commit(lambda: send_email.defer(to=to, sealed=sealed))


@app.task(queue="emails", retry=TemporaryMailFailure())
def send_email(to: list[str], sealed: str) -> None:
    parts = json.loads(decrypt(sealed))
    message = EmailMultiAlternatives(
        parts["subject"], parts["body"], parts["from_email"], to, headers=parts["headers"]
    )
    if parts["body_is_html"]:
        message.content_subtype = "html"
    if parts["html"] is not None:
        message.attach_alternative(parts["html"], "text/html")
    message.send()
