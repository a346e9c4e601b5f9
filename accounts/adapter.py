"""allauth adapted to this site: plainer error messages."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_blacklisted": "That username is reserved. Please choose another.",
        "username_taken": "That username is taken. Please choose another.",
    }
