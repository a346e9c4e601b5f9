"""allauth adapted to this site: plainer error messages, our idea of the client's address."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

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
