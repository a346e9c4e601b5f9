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

# Well-known NAT64 (RFC 6052): the last 32 bits are the IPv4 address a translator on
# the way connects to. The local-use prefix (RFC 8215) is never a public server.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
# IPv4-compatible addresses (deprecated, RFC 4291): ::a.b.c.d.
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


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
    """Whether `address` reaches the public internet, and so does any IPv4 address it
    carries: an IPv6 address that embeds a private IPv4 one (mapped, compatible, 6to4,
    Teredo, NAT64) leads to that private host through a translator or tunnel."""
    if not address.is_global:
        return False
    if address.version == 4:
        return True
    if address in LOCAL_NAT64:
        return False
    return all(inner.is_global for inner in embedded_ipv4(address))


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, by each scheme that embeds one."""
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)  # (server, client)
    if address in NAT64 or address in IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found
