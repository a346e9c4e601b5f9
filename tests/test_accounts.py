"""Accounts: sign-up to log-out through the real allauth views, with CSRF enforced."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.emails import emails_sent_by_jobs

pytestmark = pytest.mark.django_db

PASSWORD = "tiny-ascii-lighthouse-42"


def csrf_post(client, url: str, data: dict, **kwargs):
    """POST like a browser: load the page first, send its CSRF token back."""
    client.get(url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token}, **kwargs)


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def test_signup_verify_login_logout(csrf_client, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client = csrf_client

    # A POST without the token is refused: CSRF really is enforced.
    refused = client.post(reverse("account_signup"), {"email": "ada@example.com"})
    assert refused.status_code == 403

    with emails_sent_by_jobs(django_capture_on_commit_callbacks):
        response = csrf_post(
            client,
            reverse("account_signup"),
            {
                "email": "ada@example.com",
                "username": "ada",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.com")
    assert signed_in_user_id(client) is None, "no session before the email is confirmed"

    # The verification email carries a confirmation link.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)

    # Logging in before confirming does not sign in.
    csrf_post(client, reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD})
    assert signed_in_user_id(client) is None

    page = client.get(link)
    assert page.status_code == 200
    assert "ada@example.com" in page.text
    csrf_post(client, link, {})
    assert user.emailaddress_set.get(email="ada@example.com").verified

    response = csrf_post(
        client, reverse("account_login"), {"login": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert str(signed_in_user_id(client)) == str(user.pk)
    assert "Log out" in client.get("/").text

    # Logging out is a POST; a GET only asks for confirmation.
    assert client.get(reverse("account_logout")).status_code == 200
    assert str(signed_in_user_id(client)) == str(user.pk)
    csrf_post(client, reverse("account_logout"), {})
    assert signed_in_user_id(client) is None


def test_wrong_password_is_a_form_error(client, owner):
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": "not the password"}
    )
    assert response.status_code == 200
    assert "not correct" in response.text
    assert signed_in_user_id(client) is None


def test_login_by_emailed_code(client, owner, django_capture_on_commit_callbacks):
    with emails_sent_by_jobs(django_capture_on_commit_callbacks):
        response = client.post(reverse("account_request_login_code"), {"email": owner.email})
    assert response.status_code == 302
    code = re.search(
        r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.MULTILINE
    ).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert str(signed_in_user_id(client)) == str(owner.pk)


def test_password_reset_sends_a_link(client, owner, django_capture_on_commit_callbacks):
    with emails_sent_by_jobs(django_capture_on_commit_callbacks):
        client.post(reverse("account_reset_password"), {"email": owner.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "owner@example.com", "username": "newname"}, "already registered"),
        ({"email": "OWNER@example.com", "username": "newname"}, "already registered"),
        ({"email": "new@example.com", "username": "Owner"}, "That username is taken"),
        ({"email": "new@example.com", "username": "admin"}, "That username is reserved"),
        ({"email": "new@example.com", "username": "has space"}, "letters, digits"),
        ({"email": "not-an-email", "username": "newname"}, "valid email"),
    ],
)
def test_bad_signups_are_form_errors(client, owner, data, message):
    response = client.post(
        reverse("account_signup"), {**data, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert message in response.text
    assert User.objects.count() == 1


def test_weak_password_is_a_form_error(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "username": "newname",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.text
    assert not User.objects.exists()


def test_allauth_pages_use_the_site_layout(client, db):
    for name in ("account_login", "account_signup", "account_reset_password"):
        page = client.get(reverse(name)).text
        assert 'class="site-header"' in page, name
        assert "— asciigallery</title>" in page, name
        assert "css/site.css" in page


def test_social_providers_appear_once_configured_in_admin(client, db):
    from allauth.socialaccount.models import SocialApp

    assert "GitHub" not in client.get(reverse("account_login")).text
    SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret="s")
    assert "Continue with GitHub" in client.get(reverse("account_login")).text
