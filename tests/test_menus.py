"""The studio and settings menus mark the page shown, sub-pages under their section."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from gallery.models import Generation
from tests.factories import make_artwork, make_collection

pytestmark = pytest.mark.django_db


def current_items(html: str, menu: str) -> list[str]:
    nav = re.search(rf'<nav class="sidebar" aria-label="{menu}">(.*?)</nav>', html, re.S)
    assert nav, f"no {menu} menu"
    return re.findall(r'aria-current="page"[^>]*>([^<]+)</a>', nav.group(1))


def test_the_studio_menu_marks_the_section_of_every_studio_page(client, owner):
    artwork = make_artwork(owner)
    collection = make_collection(owner, [artwork])
    generation = Generation.objects.create(user=owner, prompt="p", model="m", status="queued")
    client.force_login(owner)
    expected = {
        reverse("gallery:studio"): "My artworks",
        reverse("gallery:studio_edit", args=[artwork.public_id]): "My artworks",
        reverse("gallery:studio_shares", args=[artwork.public_id]): "My artworks",
        reverse("gallery:studio_delete", args=[artwork.public_id]): "My artworks",
        reverse("gallery:studio_new"): "New artwork",
        reverse("gallery:studio_generate"): "Generate from a prompt",
        reverse("gallery:studio_files"): "Pictures to convert",
        reverse("gallery:studio_collections"): "Collections",
        reverse("gallery:studio_collection", args=[collection.public_id]): "Collections",
        reverse("gallery:studio_collection_delete", args=[collection.public_id]): "Collections",
        reverse("gallery:studio_generations"): "Generation log",
        reverse("gallery:studio_generation", args=[generation.pk]): "Generation log",
    }
    for url, item in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert current_items(response.text, "Studio") == [item], url


def test_the_settings_menu_marks_the_page_shown(client, owner):
    ApiKey.objects.create(user=owner, name="main", provider="openai", key="sk-test-12345678")
    client.force_login(owner)
    expected = {
        reverse("accounts:settings"): "Profile &amp; preferences",
        reverse("accounts:api_keys"): "API keys",
        reverse("account_email"): "Email addresses",
        reverse("account_change_password"): "Password",
    }
    for url, item in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert current_items(response.text, "Settings") == [item], url
