"""API keys are encrypted at rest, readable by the app, rotatable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

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
