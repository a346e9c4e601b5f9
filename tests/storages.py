"""The file storage of tests that did not ask for one.

SeaweedFS starts only for tests that need file storage (the `storage` marker, or the
`s3` / `s3_server` fixtures). Every other test gets this storage, which refuses to be
used, so a test that touches storage without asking fails loudly instead of quietly
writing somewhere else.
"""

from __future__ import annotations

from django.core.files.storage import Storage

MESSAGE = (
    "This test uses file storage without asking for it: mark it with"
    " @pytest.mark.storage (or use the s3 fixture) to run it against SeaweedFS."
)


class StorageNotRequested(Storage):
    def _open(self, name, mode="rb"):
        raise RuntimeError(MESSAGE)

    def _save(self, name, content):
        raise RuntimeError(MESSAGE)

    def delete(self, name):
        raise RuntimeError(MESSAGE)

    def exists(self, name):
        raise RuntimeError(MESSAGE)

    def listdir(self, path):
        raise RuntimeError(MESSAGE)

    def size(self, name):
        raise RuntimeError(MESSAGE)

    def url(self, name):
        raise RuntimeError(MESSAGE)
