"""Account emails (verification, login codes, password resets) are sent by a job, so a
slow or failing mail server never holds up a page: the request renders the message
(its links need the request) and queues its parts once its transaction commits."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

# A mail server that is down, slow or refusing for now is tried again after 4, 8, 16
# ... 1024 s: about half an hour in all. A retry after a server accepted a message but
# dropped the connection before saying so may send it twice; that beats never.
SMTP_RETRY = RetryStrategy(
    max_attempts=10, exponential_wait=2, retry_exceptions=(smtplib.SMTPException, OSError)
)


def defer_email(message: EmailMessage) -> None:
    """Send `message` from a job once the current transaction commits."""
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
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }
    transaction.on_commit(lambda: send_email.defer(**parts))


@app.task(queue="emails", retry=SMTP_RETRY)
def send_email(
    subject: str,
    body: str,
    body_is_html: bool,
    html: str | None,
    from_email: str,
    to: list[str],
    headers: dict[str, str],
) -> None:
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers)
    if body_is_html:
        message.content_subtype = "html"
    if html is not None:
        message.attach_alternative(html, "text/html")
    message.send()
