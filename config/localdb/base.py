"""Django's PostgreSQL backend, starting the embedded server before connecting."""

from __future__ import annotations

from django.conf import settings
from django.db.backends.postgresql import base

from config.localdb import ensure_server


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        # Django connects without a NAME (to "postgres") to create the test database.
        database = self.settings_dict["NAME"] or "postgres"
        params["host"] = ensure_server(settings.EMBEDDED_POSTGRES_DIR, database)
        return params
