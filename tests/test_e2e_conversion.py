"""Uploading a picture and converting it in a real browser: the preview follows the
options as they change, and the result opens in the editor and saves as shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gallery.models import Artwork, File
from tests import images

pytestmark = [pytest.mark.slow, pytest.mark.storage, pytest.mark.django_db(transaction=True)]


def signed_in(page, live_server, client, user) -> None:
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_a_picture_is_uploaded_previewed_converted_and_saved(page, live_server, owner, client,
                                                             tmp_path):  # fmt: skip
    signed_in(page, live_server, client, owner)
    picture = tmp_path / "moon.png"
    picture.write_bytes(images.still((400, 300), colour=(255, 255, 255)))
    page.goto("/studio/files/")
    page.set_input_files("input[name=file]", str(picture))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Convert to ASCII")).to_be_visible()
    screen = page.locator("[data-convert-preview] [data-player-screen]")
    note = page.locator("[data-preview-note]")
    expect(note).to_have_text("80×31 characters.")
    expect(screen).to_contain_text("@")

    # Each change redraws the preview without a reload: fewer columns, then blocks.
    page.fill("input[name=width]", "40")
    expect(note).to_have_text("40×16 characters.")
    page.select_option("select[name=charset]", "blocks")
    expect(screen).to_contain_text("█")
    expect(screen).not_to_contain_text("@")
    # The sliders say their value; darker, the grey bar on the left fades away.
    before = screen.text_content()
    page.locator("input[name=brightness]").fill("-50")
    expect(page.locator('output[data-shows="brightness"]')).to_have_text("-50")
    expect(screen).not_to_have_text(before)
    shown = screen.text_content()
    assert "▒▒▒▒▒" not in shown.split("\n")[0]

    page.get_by_role("button", name="Convert and open in the editor").click()
    expect(page.get_by_role("heading", name="New artwork")).to_be_visible()
    expect(page.locator("textarea[name=frames_text]")).to_have_value(shown)
    page.fill("textarea[name=prompt]", "Moon over the sea")
    page.get_by_role("button", name="Save artwork").click()
    expect(page.get_by_role("heading", name="Moon over the sea")).to_be_visible()
    artwork = Artwork.objects.get()
    assert artwork.frames == [shown]
    assert File.objects.get().artwork == artwork


def test_without_javascript_the_preview_button_shows_the_options(browser_context,
                                                                 live_server, owner,
                                                                 client, tmp_path):  # fmt: skip
    page = browser_context(java_script_enabled=False).new_page()
    signed_in(page, live_server, client, owner)
    picture = tmp_path / "moon.png"
    picture.write_bytes(images.still((400, 300), colour=(255, 255, 255)))
    page.goto("/studio/files/")
    page.set_input_files("input[name=file]", str(picture))
    page.get_by_role("button", name="Upload").click()
    page.fill("input[name=width]", "30")
    page.get_by_role("button", name="Update preview").click()
    expect(page.locator("[data-preview-note]")).to_have_text("30×12 characters.")
