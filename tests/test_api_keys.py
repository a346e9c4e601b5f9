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


# --- A stored key goes nowhere new without being typed in again -----------------------


@pytest.fixture
def stored_key(owner):
    return ApiKey.objects.create(
        user=owner,
        name="Company server",
        provider="openai-compatible",
        base_url="https://8.8.8.8/v1",
        key=PLAINTEXT,
    )


def admin_change(client, api_key, **overrides):
    data = {"user": api_key.user_id, "name": api_key.name, "provider": api_key.provider,
            "base_url": api_key.base_url, "new_key": ""}  # fmt: skip
    data.update(overrides)
    return client.post(reverse("admin:accounts_apikey_change", args=[api_key.pk]), data)


@pytest.mark.parametrize(
    "overrides",
    [
        {"base_url": "https://1.1.1.1/v1"},
        {"provider": "openai", "base_url": ""},
        {"user": "staff"},
    ],
    ids=["new-base-url", "new-provider", "new-owner"],
)
def test_staff_cannot_send_a_stored_key_elsewhere_without_it(
    client, superuser, stored_key, settings, overrides
):
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False  # production
    client.force_login(superuser)
    if overrides.get("user") == "staff":
        overrides = {"user": superuser.pk}  # staff taking the key for themselves
    response = admin_change(client, stored_key, **overrides)
    assert response.status_code == 200
    assert "Enter the key again to send it to another provider, server or account." in response.text
    stored_key.refresh_from_db()
    assert (stored_key.provider, stored_key.base_url) == ("openai-compatible", "https://8.8.8.8/v1")
    assert stored_key.user_id != superuser.pk


def test_staff_can_move_a_key_by_typing_it_in_again(client, superuser, stored_key, settings):
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False
    client.force_login(superuser)
    response = admin_change(
        client, stored_key, base_url="https://1.1.1.1/v1", new_key="sk-typed-again-5678"
    )
    assert response.status_code == 302
    stored_key.refresh_from_db()
    assert stored_key.base_url == "https://1.1.1.1/v1"
    assert stored_key.key == "sk-typed-again-5678" and stored_key.last4 == "5678"


def test_renaming_a_key_in_the_admin_needs_no_key(client, superuser, stored_key, settings):
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False
    client.force_login(superuser)
    assert admin_change(client, stored_key, name="Renamed").status_code == 302
    stored_key.refresh_from_db()
    assert stored_key.name == "Renamed" and stored_key.key == PLAINTEXT


@pytest.mark.parametrize(
    "base_url",
    ["https://127.0.0.1:9999/v1", "http://8.8.8.8/v1", "https://[64:ff9b::a9fe:a9fe]/v1"],
)
def test_the_admin_runs_the_settings_pages_base_url_check(
    client, superuser, stored_key, settings, base_url
):
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False
    client.force_login(superuser)
    response = admin_change(client, stored_key, base_url=base_url, new_key="sk-typed-again-5678")
    assert response.status_code == 200
    assert "errornote" in response.text
    stored_key.refresh_from_db()
    assert stored_key.base_url == "https://8.8.8.8/v1" and stored_key.key == PLAINTEXT


def test_code_cannot_send_a_stored_key_elsewhere_either(stored_key):
    from django.core.exceptions import ValidationError

    api_key = ApiKey.objects.get(pk=stored_key.pk)
    api_key.base_url = "https://1.1.1.1/v1"
    with pytest.raises(ValidationError, match="Enter the key again"):
        api_key.save()
    api_key.enter_key(PLAINTEXT)
    api_key.save()
    assert ApiKey.objects.get(pk=stored_key.pk).base_url == "https://1.1.1.1/v1"
