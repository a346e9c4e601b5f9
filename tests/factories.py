"""Plain factory functions: valid objects with sensible defaults, overridable."""

from __future__ import annotations

import time
from itertools import count

from accounts.models import User
from gallery.models import Artwork, Collection, Share

_numbers = count(1)

PASSWORD = "correct horse battery staple"


def make_user(**fields) -> User:
    number = next(_numbers)
    fields.setdefault("email", f"user{number}@example.com")
    fields.setdefault("username", f"user{number}")
    password = fields.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **fields)


def make_artwork(owner: User | None = None, **fields) -> Artwork:
    fields.setdefault("prompt", f"a tiny animation number {next(_numbers)}")
    fields.setdefault("frames", ["o  ", " o ", "  o"])
    fields.setdefault("width", 3)
    fields.setdefault("height", 1)
    fields.setdefault("fps", 8)
    artwork = Artwork(owner=owner or make_user(), **fields)
    artwork.full_clean()
    artwork.save()
    return artwork


def make_collection(owner: User | None = None, artworks=(), **fields) -> Collection:
    fields.setdefault("name", f"Collection {next(_numbers)}")
    collection = Collection.objects.create(owner=owner or make_user(), **fields)
    for artwork in artworks:
        collection.append(artwork)
    return collection


def make_share(artwork: Artwork | None = None, **fields) -> Share:
    return Share.objects.create(artwork=artwork or make_artwork(), **fields)


def sign_in_and_reauthenticate(client, user: User) -> None:
    """Log `user` in as having just re-entered their password, the way allauth records
    it, so that pages that ask for it again (account deletion) let them through."""
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
