"""The generation progress page in a real browser: it follows the generation by
itself, with JavaScript (generation.js polling the status URL) and without (a meta
refresh), and opens the editor when the result is ready."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gallery.generation import GenerationRequest, queue_generation, run_generation

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def signed_in(context, client, owner, live_server):
    client.force_login(owner)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return context.new_page()


def queued(owner):
    request = GenerationRequest(prompt="a lighthouse at night", width=40, height=12, fps=8,
                                frame_count=4, seed=3)  # fmt: skip
    return queue_generation(owner, "procedural", "", request)


@pytest.mark.parametrize("java_script_enabled", [True, False])
def test_the_progress_page_opens_the_editor_when_the_generation_is_done(
    browser_context, live_server, client, owner, java_script_enabled
):
    page = signed_in(
        browser_context(java_script_enabled=java_script_enabled), client, owner, live_server
    )
    generation = queued(owner)
    page.goto(f"/studio/generations/{generation.pk}/")
    expect(page).to_have_title(re.compile(r"^Generation queued"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Generating…")
    expect(page.get_by_role("status")).to_contain_text("Queued")
    # Keyboard: the page's own links are reachable with Tab.
    check_now = page.get_by_role("link", name="Check now")
    for _ in range(30):
        page.keyboard.press("Tab")
        if check_now.evaluate("link => link === document.activeElement"):
            break
    expect(check_now).to_be_focused()

    run_generation(generation.pk)  # what a worker does

    expect(page).to_have_url(re.compile(rf"/studio/new/\?generation={generation.pk}$"))
    expect(page.locator("textarea[name=frames_text]")).not_to_be_empty()


def test_a_failed_generation_shows_its_message(browser_context, live_server, client, owner):
    page = signed_in(browser_context(), client, owner, live_server)
    generation = queued(owner)
    page.goto(f"/studio/generations/{generation.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Queued")
    # The creator's request cannot be run (the stored request is broken): it fails.
    type(generation).objects.filter(pk=generation.pk).update(request={"prompt": "x"})
    run_generation(generation.pk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Generation failed")
    expect(page.get_by_role("alert")).to_have_text("The generation did not finish.")
    expect(page).to_have_title(re.compile(r"^Generation failed"))
