"""API keys are encrypted at rest, readable by the app, rotatable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db

PLAINTEXT = "sk-live-THIS-IS-A-SECRET-1234"


def raw_key_column(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_apikey WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_assigning_plaintext_stores_ciphertext(owner):
    api_key = ApiKey.objects.create(user=owner, name="main", provider="openai", key=PLAINTEXT)
    stored = raw_key_column(api_key.pk)
    assert PLAINTEXT not in stored and "SECRET" not in stored
    assert ApiKey.objects.get(pk=api_key.pk).key == PLAINTEXT
    assert api_key.last4 == "1234" and api_key.masked == "....1234"


def test_two_saves_of_the_same_key_give_different_ciphertexts(owner):
    first = ApiKey.objects.create(user=owner, name="a", provider="openai", key=PLAINTEXT)
    second = ApiKey.objects.create(user=owner, name="b", provider="openai", key=PLAINTEXT)
    assert raw_key_column(first.pk) != raw_key_column(second.pk)


def test_rotation_re_encrypts_with_the_new_key(owner, settings):
    api_key = ApiKey.objects.create(user=owner, name="main", provider="google", key=PLAINTEXT)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # Only the new key is needed from now on.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert ApiKey.objects.get(pk=api_key.pk).key == PLAINTEXT
    assert Fernet(new_key).decrypt(raw_key_column(api_key.pk).encode()).decode() == PLAINTEXT


# --- Through the settings pages ------------------------------------------------------

SECRET = "sk-or-v1-PAGEKEY-0123456789abcdef-WXYZ"


def add_key(client, **overrides):
    data = {"name": "My OpenRouter", "provider": "openrouter", "base_url": "", "key": SECRET}
    return client.post(reverse("accounts:api_keys"), {**data, **overrides})


def every_text_value_in_the_database() -> str:
    """Every text, varchar and json value of every table, as one string."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
            " AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        columns = cursor.fetchall()
        values = []
        for table, column in columns:
            cursor.execute(f'SELECT "{column}"::text FROM "{table}"')
            values.extend(row[0] for row in cursor.fetchall() if row[0])
    return "\n".join(values)


def test_a_key_added_in_settings_is_shown_once_then_only_masked(client, owner):
    client.force_login(owner)
    response = add_key(client)
    assert response.status_code == 302
    first = client.get(response["Location"]).text
    assert SECRET in first and "only time it is shown" in first
    for _ in range(2):
        page = client.get(reverse("accounts:api_keys")).text
        assert SECRET not in page
        assert "....WXYZ" in page
    assert SECRET not in client.get(reverse("accounts:settings")).text


def test_a_key_added_in_settings_is_never_stored_in_plaintext(client, owner):
    client.force_login(owner)
    add_key(client)
    client.get(reverse("accounts:api_keys"))  # the one display, through the session
    dump = every_text_value_in_the_database()
    assert "PAGEKEY" not in dump
    assert ApiKey.objects.get(user=owner).key == SECRET  # still usable by its owner


def test_deleting_a_key(client, owner, other_user):
    client.force_login(owner)
    add_key(client)
    key = ApiKey.objects.get(user=owner)
    # Someone else cannot delete it, nor learn that it exists.
    client.force_login(other_user)
    assert client.post(reverse("accounts:api_key_delete", args=[key.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("accounts:api_key_delete", args=[key.pk])).status_code == 405
    response = client.post(reverse("accounts:api_key_delete", args=[key.pk]))
    assert response.status_code == 302
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key": ""}, "This field is required"),
        ({"key": "short"}, "does not look like an API key"),
        ({"key": "has a space in it"}, "does not look like an API key"),
        ({"provider": "skynet"}, "Select a valid choice"),
        ({"provider": "openai-compatible"}, "needs its base URL"),
        ({"base_url": "https://example.org/v1"}, "Only OpenAI-compatible servers"),
        ({"name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_keys_are_form_errors(client, owner, overrides, message):
    client.force_login(owner)
    response = add_key(client, **overrides)
    assert response.status_code == 400
    assert message in response.text
    assert not ApiKey.objects.exists()
    assert SECRET not in response.text  # the key is never echoed back into the form


def test_an_openai_compatible_server_key(client, owner):
    client.force_login(owner)
    response = add_key(client, provider="openai-compatible", base_url="http://127.0.0.1:9/v1")
    assert response.status_code == 302
    assert ApiKey.objects.get(user=owner).base_url == "http://127.0.0.1:9/v1"


def test_duplicate_key_names_are_form_errors(client, owner):
    client.force_login(owner)
    add_key(client)
    response = add_key(client, name="my openrouter")
    assert response.status_code == 400
    assert "already have a key with this name" in response.text
