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

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry an IPv4 address in their last 32 bits: a translator on the way
# connects to that IPv4 address, so they are exactly as public as it is. Well-known
# NAT64 (RFC 6052), IPv4-mapped, IPv4-translated (SIIT, RFC 2765) and IPv4-compatible
# (deprecated, RFC 4291) addresses.
TRANSLATED = [
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("::ffff:0:0/96"),
    ipaddress.ip_network("::ffff:0:0:0/96"),
    ipaddress.ip_network("::/96"),
]
# Tunnels and local translators, never a public API server: 6to4 (RFC 3056, deprecated
# by RFC 7526), Teredo (RFC 4380) and local-use NAT64 (RFC 8215). Refused outright, so
# the answer does not depend on how a Python version classifies them.
TUNNELS = [
    ipaddress.ip_network("2002::/16"),
    ipaddress.ip_network("2001::/32"),
    ipaddress.ip_network("64:ff9b:1::/48"),
]


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
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeURL("That server's name does not resolve.") from None
    for info in infos:
        if not is_public_address(ipaddress.ip_address(info[4][0].split("%")[0])):
            raise UnsafeURL("That server is on a private network; use a public address.")


def is_public_address(address: IPAddress) -> bool:
    """Whether `address` reaches the public internet. An IPv6 address that carries an
    IPv4 one is judged by that IPv4 address; tunnels are never public."""
    if address.version == 6:
        if any(address in network for network in TRANSLATED):
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF).is_global
        if any(address in network for network in TUNNELS):
            return False
    return address.is_global
