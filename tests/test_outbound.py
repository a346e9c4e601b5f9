"""Creators' AI base URLs never lead the server into a private network (production)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gallery.outbound import UnsafeURL, check_base_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def production(settings):
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False


PRIVATE_LITERALS = [
    # NAT64 and 6to4 addresses that carry a private IPv4 one.
    "https://[64:ff9b::a9fe:a9fe]/v1",  # 169.254.169.254, the cloud metadata service
    "https://[64:ff9b::7f00:1]/v1",
    "https://[2002:7f00:1::]/v1",  # 127.0.0.1
    "https://[2002:a00:1::]/v1",  # 10.0.0.1
    "https://[64:ff9b:1::a00:1]/v1",  # local-use NAT64
    "https://[::7f00:1]/v1",  # IPv4-compatible 127.0.0.1
    "https://[::ffff:0:a9fe:a9fe]/v1",  # IPv4-translated (SIIT) 169.254.169.254
    # Tunnels are refused whatever they carry.
    "https://[2002:808:808::]/v1",
    # Refused before as well (regressions): IPv4-mapped, Teredo, plain private ones.
    "https://[::ffff:127.0.0.1]/v1",
    "https://[::ffff:a9fe:a9fe]/v1",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/v1",
    "https://[::1]/v1",
    "https://[fd00::1]/v1",
    "https://127.0.0.1/v1",
    "https://169.254.169.254/v1",
]


@pytest.mark.parametrize("url", PRIVATE_LITERALS)
def test_addresses_that_lead_to_a_private_host_are_refused(production, url):
    with pytest.raises(UnsafeURL, match="private network"):
        check_base_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/v1",
        "https://[2606:4700:4700::1111]/v1",
        # A translator to a public IPv4 address is as public as that address.
        "https://[64:ff9b::808:808]/v1",
        "https://[::ffff:8.8.8.8]/v1",
    ],
)
def test_public_addresses_pass(production, url):
    check_base_url(url)


def test_a_name_that_resolves_to_this_machine_is_refused(production):
    with pytest.raises(UnsafeURL, match="private network"):
        check_base_url("https://localhost/v1")


RESOLVE_SCRIPT = """
import sys
from django.conf import settings
settings.configure(AI_ALLOW_PRIVATE_BASE_URLS=False)
from gallery.outbound import UnsafeURL, check_base_url
for name in sys.argv[1:]:
    try:
        check_base_url(f"https://{name}/v1")
        print(name, "accepted")
    except UnsafeURL as error:
        print(name, "refused:", error)
"""


@pytest.mark.slow
def test_names_that_resolve_to_embedded_private_addresses_are_refused(tmp_path):
    """Real name resolution (glibc, /etc/hosts) in a private mount namespace whose
    hosts file names NAT64 and 6to4 hosts; no DNS server is reachable from here."""
    if not shutil.which("unshare"):
        pytest.fail("util-linux's unshare is needed to give the resolver its own hosts file")
    hosts = tmp_path / "hosts"
    hosts.write_text(
        "64:ff9b::a9fe:a9fe metadata-nat64.example.test\n"
        "2002:7f00:1:: loopback-6to4.example.test\n"
        "::ffff:10.0.0.7 mapped.example.test\n"
        "64:ff9b::808:808 public-nat64.example.test\n"
    )
    names = [
        "metadata-nat64.example.test",
        "loopback-6to4.example.test",
        "mapped.example.test",
        "public-nat64.example.test",
    ]
    command = f'mount --bind {hosts} /etc/hosts && exec {sys.executable} -c "$0" {" ".join(names)}'
    # As root a mount namespace is ours to make; otherwise inside a user namespace.
    unshare = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    result = subprocess.run(
        [*unshare, "sh", "-c", command, RESOLVE_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    verdicts = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert verdicts["metadata-nat64.example.test"].startswith(
        "refused: That server is on a private"
    )
    assert verdicts["loopback-6to4.example.test"].startswith("refused: That server is on a private")
    assert verdicts["mapped.example.test"].startswith("refused: That server is on a private")
    assert verdicts["public-nat64.example.test"] == "accepted"
