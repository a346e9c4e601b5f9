"""System checks for account-related configuration a deployer can get wrong."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=False)
def check_encryption_keys(app_configs, **kwargs) -> list[checks.CheckMessage]:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        return [
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is not set, so API keys cannot be stored.",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet;"
                " print(Fernet.generate_key().decode())'",
                id="accounts.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                checks.Error(
                    f"Key number {position} in FIELD_ENCRYPTION_KEYS is not a valid Fernet key.",
                    hint="A Fernet key is 32 url-safe base64-encoded bytes.",
                    id="accounts.E002",
                )
            )
    return errors
