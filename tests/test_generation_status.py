"""The status URL that the progress page's script polls: the owner's generation as
JSON; a signed-out script gets a JSON 401 it can read, a signed-out person the login
page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gallery.generation import GenerationRequest, queue_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def status_url(owner):
    request = GenerationRequest(prompt="a lighthouse at night", width=40, height=12, fps=8,
                                frame_count=4, seed=3)  # fmt: skip
    generation = queue_generation(owner, "procedural", "", request)
    return reverse("gallery:studio_generation_status", args=[generation.pk])


def test_a_signed_out_script_gets_a_json_401(client, status_url):
    response = client.get(status_url, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Log in again to follow this generation."}
    assert "no-cache" in response["Cache-Control"]


def test_a_signed_out_person_opening_it_is_sent_to_log_in(client, status_url):
    response = client.get(status_url, headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={status_url}"


def test_the_owners_script_gets_the_status(client, owner, status_url):
    client.force_login(owner)
    response = client.get(status_url, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["status"] == "queued"


def test_someone_elses_script_gets_a_404(client, other_user, status_url):
    client.force_login(other_user)
    assert client.get(status_url, headers={"Accept": "application/json"}).status_code == 404
