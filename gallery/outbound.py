"""Guarding the one place where a creator chooses where the server connects to: the
base URL of an OpenAI-compatible API key.

Without this, a creator could make the server POST to internal addresses (cloud
metadata, databases, admin networks) and read which ports answer from the errors.
In production (AI_ALLOW_PRIVATE_BASE_URLS off) only https URLs whose host resolves to
public addresses are accepted; development allows a model server on this machine.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    """The message says why, in words a creator can act on."""


def check_base_url(url: str) -> None:
    parts = urlsplit(url)
    if settings.AI_ALLOW_PRIVATE_BASE_URLS:
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise UnsafeURL("Enter an http or https URL.")
        return
    if parts.scheme != "https" or not parts.hostname:
        raise UnsafeURL("The server's URL must start with https://.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL("That server's name does not resolve.") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise UnsafeURL("That server is on a private network; use a public address.")
