"""Who is asking: the client's address, for every rate limit and view count.

Behind load balancers (`DJANGO_BEHIND_PROXY`), REMOTE_ADDR is the nearest balancer's
address, the same for every visitor. Each trusted proxy appends the address it saw to
`X-Forwarded-For`, so with N proxies in front of the app the client is the N-th entry
from the right; anything to the left of it was written by the client and proves
nothing. `DJANGO_TRUSTED_PROXY_COUNT` says N (1 by default behind a proxy, 0 otherwise).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address as the outermost trusted proxy saw it, else REMOTE_ADDR."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            # Fewer entries than proxies: the request skipped the outer ones, and the
            # first entry is what the nearest of them appended.
            address = _clean(hops[-count] if len(hops) >= count else hops[0])
            if address:
                return address
    remote = request.META.get("REMOTE_ADDR", "")
    return _clean(remote) or remote


# An IPv6 client usually holds a whole /64 network (RFC 7421): counted per address, one
# client could rotate through billions of them. (allauth's limits truncate the same way.)
IPV6_CLIENT_PREFIX = 64


def client_key(request: HttpRequest) -> str:
    """Whom to count, for view counts and rate limits: the client's IPv4 address, or
    the /64 network of its IPv6 address."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(ip)


def _clean(value: str) -> str:
    """`value` as a normalised IP address ("[::1]:80" and "1.2.3.4:80" lose the port),
    or "" when it is none."""
    candidates = [value]
    if value.startswith("[") and "]" in value:
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:
        candidates.append(value.split(":")[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return ""
