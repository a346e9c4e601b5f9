"""Deleting an account leaves no row and no stored object of the user's."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import ApiKey, User, UserSettings
from gallery import engagement
from gallery.models import Artwork, ArtworkView, File, Generation, Like
from tests.factories import (
    PASSWORD,
    make_artwork,
    make_collection,
    make_share,
    sign_in_and_reauthenticate,
)
from tests.test_storage import bucket_keys, png_bytes


def give_everything(user: User, fan: User) -> dict:
    artwork = make_artwork(user, prompt="doomed lighthouse")
    make_share(artwork, max_views=3)
    make_collection(user, artworks=[artwork])
    UserSettings.objects.create(user=user, theme="dark")
    ApiKey.objects.create(user=user, name="k", provider="openai", key="sk-delete-me-1234")
    Generation.objects.create(user=user, prompt="p", model="m", status="done", duration_ms=3)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    upload = File(owner=user, artwork=artwork, file=ContentFile(png_bytes(), name="a.png"))
    upload.full_clean()
    upload.save()
    # A like on the user's artwork from someone else, and a like the user gave.
    Like.objects.create(user=fan, artwork=artwork)
    liked = make_artwork(fan, prompt="survivor")
    Like.objects.create(user=user, artwork=liked)
    # A view the user made, recorded under a key rather than a foreign key.
    request = RequestFactory().get("/")
    request.user = user
    engagement.count_view(liked, engagement.visitor_key(request))
    return {"key": upload.file.name, "liked": liked}


def rows_referencing(user_pk: int) -> list[str]:
    """Every row in any table with a foreign key to the user, by model name."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            remote = getattr(field, "related_model", None)
            if (
                field.many_to_one
                and remote is User
                and model.objects.filter(**{field.name: user_pk}).exists()
            ):
                found.append(f"{model.__name__}.{field.name}")
    return found


@pytest.mark.django_db(transaction=True)
def test_deleting_an_account_removes_every_row_and_object(client, s3, owner, other_user):
    left = give_everything(owner, other_user)
    assert left["key"] in bucket_keys(s3)
    assert rows_referencing(owner.pk)  # the check below can see rows

    sign_in_and_reauthenticate(client, owner)
    page = client.get(reverse("accounts:delete"))
    assert page.status_code == 200 and "1 artwork," in page.text
    response = client.post(reverse("accounts:delete"), {"confirm": "owner"})
    assert response.status_code == 302

    assert not User.objects.filter(pk=owner.pk).exists()
    assert rows_referencing(owner.pk) == []
    assert not Artwork.objects.filter(prompt="doomed lighthouse").exists()
    assert left["key"] not in bucket_keys(s3)
    # The like they gave is gone and the counter is right again.
    left["liked"].refresh_from_db()
    assert left["liked"].likes_count == 0
    # What they viewed is forgotten; the count of views stays.
    assert not ArtworkView.objects.filter(artwork=left["liked"]).exists()
    assert left["liked"].views_count == 1
    # They are signed out.
    assert "_auth_user_id" not in client.session


def test_a_wrong_confirmation_deletes_nothing(client, owner, db):
    sign_in_and_reauthenticate(client, owner)
    response = client.post(reverse("accounts:delete"), {"confirm": "someone-else"})
    assert response.status_code == 400
    assert "That is not your username" in response.text
    assert User.objects.filter(pk=owner.pk).exists()


def test_deletion_asks_for_the_password_first(client, owner, db):
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    response = client.get(reverse("accounts:delete"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    # Posting the confirmation without re-entering the password deletes nothing.
    client.post(reverse("accounts:delete"), {"confirm": "owner"})
    assert User.objects.filter(pk=owner.pk).exists()

    wrong = client.post(response["Location"], {"password": "not it"})
    assert wrong.status_code == 200 and "Incorrect password" in wrong.text
    back = client.post(response["Location"], {"password": PASSWORD})
    assert back.status_code == 302
    assert client.get(back["Location"]).status_code == 200
    client.post(reverse("accounts:delete"), {"confirm": "owner"})
    assert not User.objects.filter(pk=owner.pk).exists()


def test_other_users_data_is_untouched(client, owner, other_user, db):
    survivor = make_artwork(other_user, prompt="still here")
    sign_in_and_reauthenticate(client, owner)
    client.post(reverse("accounts:delete"), {"confirm": "owner"})
    assert not User.objects.filter(pk=owner.pk).exists()
    assert Artwork.objects.filter(pk=survivor.pk).exists()
