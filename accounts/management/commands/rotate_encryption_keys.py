"""Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then remove the old keys.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import ApiKey


class Command(BaseCommand):
    help = "Re-encrypts stored API keys with the newest key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            keys = list(ApiKey.objects.select_for_update().only("pk", "key"))
            # Reading decrypted with whichever key matched; writing encrypts with the first.
            for api_key in keys:
                ApiKey.objects.filter(pk=api_key.pk).update(key=api_key.key)
        self.stdout.write(f"Re-encrypted {len(keys)} API key(s) with the newest key.")
