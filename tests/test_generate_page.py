"""The generate page says what the generator does: the scenes with a still each, a
pick or the prompt's words, which scene it drew and why, and AI models only when a
key can run them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gallery.generation import run_generation
from gallery.generators import SCENES
from gallery.models import Generation
from tests.test_studio import generate_data, with_openrouter_key

pytestmark = pytest.mark.django_db


def test_the_page_lists_every_scene_with_a_still(client, owner):
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_generate")).text
    for name in SCENES:
        assert f'name="scene" value="{name}"' in page
    assert page.count('class="scene-preview"') == len(SCENES)
    assert "blizzard" in page  # a word that picks the snow scene


def test_ai_models_appear_only_with_a_key(client, owner):
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_generate")).text
    assert 'name="model"' not in page and "openai/gpt-4o-mini" not in page
    assert "add yours in" in page and reverse("accounts:api_keys") in page
    with_openrouter_key(owner)
    page = client.get(reverse("gallery:studio_generate")).text
    assert 'name="model"' in page and "openai/gpt-4o-mini" in page
    assert "add yours in" not in page


def generated(client, **data) -> tuple[Generation, str]:
    client.post(reverse("gallery:studio_generate"), generate_data(**data))
    attempt = Generation.objects.latest("id")
    run_generation(attempt.pk)
    page = client.get(reverse("gallery:studio_generation", args=[attempt.pk]), follow=True)
    attempt.refresh_from_db()
    return attempt, page.text


def test_a_chosen_scene_is_drawn_and_the_result_says_so(client, owner):
    client.force_login(owner)
    attempt, page = generated(client, prompt="rain over the city", scene="fire")
    assert attempt.model == "procedural/fire"
    assert "Generated with the fire scene, as you chose." in page


def test_without_a_pick_the_result_says_which_word_picked(client, owner):
    client.force_login(owner)
    attempt, page = generated(client, prompt="Blizzard in the mountains")
    assert attempt.model == "procedural/snow"
    assert "Generated with the snow scene, picked by the word “blizzard”." in page
    attempt, page = generated(client, prompt="a quiet afternoon")
    assert "no word in the prompt names a scene" in page


def test_an_unknown_scene_is_a_form_error(client, owner):
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_generate"), generate_data(scene="volcano"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Generation.objects.exists()
