"""/settings/: preferences and profile persist, bad values are form errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import UserSettings

pytestmark = pytest.mark.django_db


def preferences(**overrides) -> dict:
    return {
        "theme": "system",
        "default_visibility": "public",
        "email_notifications": "on",
        "preferred_provider": "",
        "preferred_model": "",
        **overrides,
    }


@pytest.mark.parametrize("url", ["/settings/", "/settings/api-keys/", "/settings/delete-account/"])
def test_settings_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_preferences_persist_and_the_theme_reaches_the_next_page(client, owner):
    client.force_login(owner)
    assert 'data-theme="system"' in client.get("/").text
    response = client.post(
        reverse("accounts:settings"),
        preferences(theme="dark", default_visibility="unlisted", preferred_provider="openrouter",
                    preferred_model="anthropic/claude-sonnet-4", email_notifications=""),
    )  # fmt: skip
    assert response.status_code == 302
    saved = UserSettings.objects.get(user=owner)
    assert (saved.theme, saved.default_visibility) == ("dark", "unlisted")
    assert saved.preferred_provider == "openrouter"
    assert saved.preferred_model == "anthropic/claude-sonnet-4"
    assert saved.email_notifications is False
    page = client.get("/").text
    assert page.startswith('<!doctype html>\n<html lang="en" data-theme="dark">')
    assert "Settings saved." in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"theme": "neon"}, "Select a valid choice"),
        ({"default_visibility": "friends"}, "Select a valid choice"),
        ({"preferred_model": "gpt-99-ultra"}, "Select a valid choice"),
        ({"theme": ""}, "This field is required"),
    ],
)
def test_bad_preferences_are_form_errors_and_change_nothing(client, owner, overrides, message):
    client.force_login(owner)
    response = client.post(reverse("accounts:settings"), preferences(**overrides))
    assert response.status_code == 400
    assert message in response.text
    assert UserSettings.objects.get(user=owner).theme == "system"


def test_profile_name_and_avatar_are_saved(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:profile_update"),
        {"name": "Ada Lovelace", "image_url": "https://img.example.org/ada.png"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.name == "Ada Lovelace"
    assert owner.image_url == "https://img.example.org/ada.png"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x" * 151, "image_url": ""}, "at most 150 characters"),
        ({"name": "Ada", "image_url": "javascript:alert(1)"}, "Enter a valid URL"),
    ],
)
def test_bad_profile_values_are_form_errors(client, owner, data, message):
    client.force_login(owner)
    response = client.post(reverse("accounts:profile_update"), data)
    assert response.status_code == 400
    assert message in response.text
    owner.refresh_from_db()
    assert owner.name == ""


def test_profile_and_preferences_only_accept_posts_where_they_change(client, owner):
    client.force_login(owner)
    assert client.get(reverse("accounts:profile_update")).status_code == 405
