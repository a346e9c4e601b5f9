"""The client's address behind proxies: one rule for logins' rate limits and views."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from config.clientip import client_ip, client_key
from gallery.models import Artwork
from tests.commands import run_manage
from tests.factories import PASSWORD, make_artwork, make_user
from tests.test_settings import production_env

PROXY = "10.0.0.5"  # the load balancer: REMOTE_ADDR of every request behind it


def address(settings, count: int, forwarded: str | None, remote: str = PROXY) -> str:
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        # Not behind a proxy: the header is the client's own words.
        (0, "203.0.113.9", PROXY),
        # One proxy: the last entry is what it saw; entries before it may be forged.
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (1, "203.0.113.9", "203.0.113.9"),
        # A CDN and a balancer: the second entry from the right.
        (2, "forged, 203.0.113.9, 192.0.2.40", "203.0.113.9"),
        # Fewer entries than proxies: the request skipped the outer one.
        (2, "203.0.113.9", "203.0.113.9"),
        # Ports and brackets are not part of the address.
        (1, "203.0.113.9:51000", "203.0.113.9"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "2001:DB8::7", "2001:db8::7"),
        # Junk or nothing where the address should be: the balancer's own address.
        (1, "not-an-address", PROXY),
        (1, " , ", PROXY),
        (1, None, PROXY),
    ],
)
def test_the_client_is_found_counting_trusted_proxies_from_the_right(
    settings, count, forwarded, expected
):
    assert address(settings, count, forwarded) == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    ("environment", "expected"),
    [({}, "0"), ({"DJANGO_BEHIND_PROXY": "true"}, "1"),
     ({"DJANGO_BEHIND_PROXY": "true", "DJANGO_TRUSTED_PROXY_COUNT": "2"}, "2")],
)  # fmt: skip
def test_behind_a_proxy_one_trusted_proxy_is_the_default(environment, expected):
    script = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
    result = run_manage("shell", "-v0", "-c", script, env=production_env(**environment))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def failed_login(email: str, client_address: str, forged: str) -> str:
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}")
    response = client.post("/accounts/login/", {"login": email, "password": "wrong password"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_failed_logins_from_one_client_do_not_lock_out_everyone_behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    victim = make_user(email="victim@example.com")
    attacker = "198.51.100.66"
    # The attacker fails again and again, each time with another forged address.
    pages = [failed_login(f"someone{n}@example.com", attacker, f"192.0.2.{n}") for n in range(12)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]  # the attacker's address is limited

    # A real user behind the same balancer signs in normally.
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.20")
    response = client.post("/accounts/login/", {"login": victim.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "Too many failed login attempts" not in response.content.decode()
    assert client.session["_auth_user_id"] == str(victim.pk)


def views_of(artwork: Artwork) -> int:
    artwork.refresh_from_db()
    return artwork.views_count


@pytest.mark.django_db
def test_forged_forwarded_addresses_do_not_add_views(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 1
    artwork = make_artwork(owner)
    for n in range(20):
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5").get(
            artwork.get_absolute_url()
        )
    assert views_of(artwork) == 1


@pytest.mark.django_db
def test_behind_a_cdn_and_a_balancer_each_visitor_counts_once(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 2
    artwork = make_artwork(owner)
    cdn = "192.0.2.40"
    for n, visitor in enumerate(["203.0.113.1", "203.0.113.2", "203.0.113.1"]):
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {visitor}, {cdn}").get(
            artwork.get_absolute_url()
        )
    assert views_of(artwork) == 2


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_clients_are_counted_by_address_or_ipv6_network(settings, remote, expected):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_key(RequestFactory().get("/", REMOTE_ADDR=remote)) == expected


@pytest.mark.django_db
def test_rotating_ipv6_addresses_of_one_network_add_one_view(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 0
    artwork = make_artwork(owner)
    for n in range(1, 21):
        Client(REMOTE_ADDR=f"2001:db8:aa:bb::{n:x}").get(artwork.get_absolute_url())
    Client(REMOTE_ADDR="2001:db8:aa:cc::1").get(artwork.get_absolute_url())
    assert views_of(artwork) == 2
