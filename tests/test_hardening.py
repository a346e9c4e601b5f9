"""Unhappy paths found in review: each must be a clear 4xx or form error, never a
500, and never a leak."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ApiKey
from gallery.frames import FRAME_SEPARATOR
from gallery.generation import GenerationError, GenerationRequest, generate_artwork
from gallery.models import Artwork, Generation
from tests.factories import make_artwork, make_collection
from tests.test_studio import editor_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/?q=%00", "/a/%00/", "/c/%00/", "/u/%00/", "/studio/?q=%00", "/oembed?url=%00"],
)
def test_nul_bytes_are_a_400(client, owner, url):
    client.force_login(owner)
    assert client.get(url).status_code == 400


def test_nul_bytes_in_a_form_are_a_400(client, owner):
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_new"), editor_data(prompt="a\x00b"))
    assert response.status_code == 400
    assert not Artwork.objects.exists()


def test_a_deeply_nested_json_upload_is_a_form_error(client, owner):
    client.force_login(owner)
    deep = SimpleUploadedFile("deep.json", ("[" * 100_000 + "]" * 100_000).encode())
    response = client.post(reverse("gallery:studio_new"), {**editor_data(), "frames_file": deep})
    assert response.status_code == 400
    assert "nested too deeply" in response.text


def test_control_characters_in_a_prompt_are_a_form_error(client, owner):
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_new"), editor_data(prompt="fake \x02mark\x03"))
    assert response.status_code == 400
    assert "control character" in " ".join(response.context["form"].errors["prompt"])


def test_a_preset_works_without_javascript(client, owner):
    client.force_login(owner)
    data = editor_data(width="", height="", fps="", preset="cinematic", frames_text="ab")
    response = client.post(reverse("gallery:studio_new"), data)
    assert response.status_code == 302
    artwork = Artwork.objects.get()
    assert (artwork.width, artwork.height, artwork.fps) == (120, 40, 24)


def test_a_typed_size_wins_over_the_preset(client, owner):
    client.force_login(owner)
    data = editor_data(width="7", height="", fps="5", preset="cinematic", frames_text="ab")
    client.post(reverse("gallery:studio_new"), data)
    artwork = Artwork.objects.get()
    assert (artwork.width, artwork.height, artwork.fps) == (7, 40, 5)


def test_a_large_artwork_fits_in_one_request(client, owner):
    client.force_login(owner)
    frame = "\n".join(["#" * 300] * 150)
    data = editor_data(frames_text=f"\n{FRAME_SEPARATOR}\n".join([frame] * 60))
    response = client.post(reverse("gallery:studio_new"), data)
    assert response.status_code == 302
    assert Artwork.objects.get().frame_count == 60


def test_an_unlisted_remix_source_is_never_published(client, owner, other_user):
    source = make_artwork(owner, prompt="unlisted original", visibility="unlisted")
    remix = make_artwork(other_user, prompt="public remix", remixed_from=source)
    response = client.get(remix.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    assert "<h1>public remix</h1>" in page
    assert "Remix of an artwork that is not public." in page
    assert source.public_id not in page and "unlisted original" not in page
    client.force_login(owner)
    assert source.public_id in client.get(remix.get_absolute_url()).text


def test_someone_elses_artwork_that_turned_private_is_a_placeholder(client, owner, other_user):
    theirs = make_artwork(other_user, prompt="was public once")
    collection = make_collection(owner, artworks=[theirs])
    theirs.visibility = "private"
    theirs.save()
    client.force_login(owner)
    response = client.get(reverse("gallery:studio_collection", args=[collection.public_id]))
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{collection.name}</h1>" in page
    assert "was public once" not in page and theirs.public_id not in page
    assert "no longer available" in page
    listing = client.get(reverse("gallery:studio_collections")).text
    assert "0 artworks" in listing


# --- Where generation may connect --------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://api.example.org/v1", "must start with https://"),
        ("https://127.0.0.1:8080/v1", "private network"),
        ("https://169.254.169.254/latest", "private network"),
        ("https://10.1.2.3/v1", "private network"),
        ("https://localhost/v1", "private network"),
        ("https://no-such-host.invalid/v1", "does not resolve"),
    ],
)
def test_production_refuses_private_or_plain_http_base_urls(
    client, owner, settings, base_url, message
):
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False
    client.force_login(owner)
    response = client.post(
        reverse("accounts:api_keys"),
        {"name": "local", "provider": "openai-compatible", "base_url": base_url,
         "key": "sk-local-12345678"},
    )  # fmt: skip
    assert response.status_code == 400
    assert message in response.text
    assert not ApiKey.objects.exists()


def test_a_stored_private_base_url_is_refused_at_generation_time(owner, settings):
    ApiKey.objects.create(
        user=owner,
        name="old",
        provider="openai-compatible",
        base_url="http://127.0.0.1:9/v1",
        key="sk-local-12345678",
    )
    settings.AI_ALLOW_PRIVATE_BASE_URLS = False
    order = GenerationRequest(prompt="rain", width=10, height=4, fps=8, frame_count=2)
    with pytest.raises(GenerationError, match="base URL is refused"):
        generate_artwork(owner, "openai-compatible", "m", order)
    assert Generation.objects.get().success is False


def test_an_avatar_must_be_https(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:profile_update"),
        {"name": "", "image_url": "http://tracker.example/pixel.png"},
    )
    assert response.status_code == 400
    assert "https://" in response.text


def test_api_key_names_are_unique_ignoring_case_in_the_database(owner):
    from django.db import IntegrityError, transaction

    ApiKey.objects.create(user=owner, name="Main", provider="openai", key="sk-12345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(user=owner, name="main", provider="google", key="sk-87654321")


def test_json_export_shape_is_accepted_by_the_editor_upload(client, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("x.json", json.dumps({"frames": ["a", "b"]}).encode())
    response = client.post(reverse("gallery:studio_new"), {**editor_data(), "frames_file": upload})
    assert response.status_code == 302


def test_a_made_up_generator_is_not_kept(client, owner):
    client.force_login(owner)
    client.post(reverse("gallery:studio_new"), editor_data(generator="gpt-9-secret", model="magic"))
    artwork = Artwork.objects.get()
    assert (artwork.generator, artwork.model) == ("manual", "")


def test_a_rejected_profile_name_does_not_reach_the_header(client, owner):
    client.force_login(owner)
    response = client.post(reverse("accounts:profile_update"), {"name": "x" * 151, "image_url": ""})
    assert response.status_code == 400
    assert "at most 150 characters" in response.text  # the form, with its error
    assert "x" * 151 not in response.text.split("</header>")[0]


def test_a_request_over_the_size_limit_gets_the_400_page(client, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_new"), editor_data(frames_text="x" * 5000))
    assert response.status_code == 400
    assert "That request could not be handled" in response.text
    assert not Artwork.objects.exists()
