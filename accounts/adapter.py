"""allauth adapted to this site: plainer error messages, our idea of the client's address,
emails sent by a job (accounts/tasks.py)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.tasks import defer_email
from config.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_blacklisted": "That username is reserved. Please choose another.",
        "username_taken": "That username is taken. Please choose another.",
    }

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth keys its rate limits by this: the same address every other limit uses.
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Rendered here, where the request gives the links their host; sent by a job,
        # so the page never waits on the mail server. The context is allauth's own.
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        defer_email(self.render_mail(template_prefix, email, full_context))
