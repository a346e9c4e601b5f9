"""Input that once answered 500, each kept as a plain regression test. The fuzz suite
(tests/test_fuzz.py) looks for more; what it finds gets a test here."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_artwork

pytestmark = pytest.mark.django_db


def oembed(client, artwork, **params):
    return client.get(
        "/oembed", {"url": f"http://testserver{artwork.get_absolute_url()}", **params}
    )


@pytest.mark.parametrize("param", ["maxwidth", "maxheight"])
def test_an_oembed_size_of_400_digits_is_clamped(client, owner, param):
    artwork = make_artwork(owner)
    response = oembed(client, artwork, **{param: "9" * 400})
    assert response.status_code == 200
    assert response.json() == oembed(client, artwork).json()


@pytest.mark.parametrize("value", ["²", "١٢", "1e5", "-3", "0", "9" * 5000])
def test_an_oembed_size_that_is_no_plain_number_is_a_400(client, owner, value):
    artwork = make_artwork(owner)
    assert oembed(client, artwork, maxwidth=value).status_code == 400
    assert oembed(client, artwork, maxheight=value).status_code == 400


@pytest.mark.parametrize(
    "value", ["²", "١٢", "1e5", "-1", "0", "", "9" * 19, "9" * 400, "9" * 5000, "x"]
)
def test_a_generation_that_is_no_plain_id_is_a_404(client, owner, value):
    client.force_login(owner)
    response = client.get(reverse("gallery:studio_new"), {"generation": value})
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["9" * 400, "9" * 5000, "-1", "0", "²", "١٢", "1e5", "last"])
@pytest.mark.parametrize("url", ["/", "/?q=comet", "/studio/", "/studio/generations/", "/u/owner/"])
def test_any_page_number_shows_a_page(client, owner, url, page):
    make_artwork(owner, prompt="a comet")
    client.force_login(owner)
    response = client.get(url, {"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("target", ["0", "studio", "javascript:alert(1)", "//elsewhere.example/"])
def test_a_next_that_is_no_site_path_goes_back_to_the_studio(client, owner, target):
    artwork = make_artwork(owner)
    client.force_login(owner)
    url = reverse("gallery:studio_visibility", args=[artwork.public_id])
    response = client.post(url, {"visibility": "unlisted", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:studio")


def test_a_next_path_is_followed(client, owner):
    artwork = make_artwork(owner)
    client.force_login(owner)
    url = reverse("gallery:studio_visibility", args=[artwork.public_id])
    response = client.post(url, {"visibility": "unlisted", "next": "/studio/?page=2"})
    assert response["Location"] == "/studio/?page=2"
