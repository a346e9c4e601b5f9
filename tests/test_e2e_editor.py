"""The studio editor's live preview in a real browser.

Playwright's clock stands in for the page's timers and stays stopped, so the test moves
time on step by step and then expects what the preview shows: no sleeping, no sampling.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from gallery.frames import FRAME_SEPARATOR

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2024, 1, 1)
TYPING_PAUSE_MS = 150  # editor.js redraws the preview this long after the last keystroke


def test_the_preview_plays_what_is_typed(page, live_server, owner, client):
    client.force_login(owner)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.clock.install(time=START)
    page.clock.pause_at(START + datetime.timedelta(minutes=1))  # it runs until paused
    page.goto("/studio/new/")
    screen = page.locator("[data-preview] [data-player-screen]")
    counter = page.locator("[data-preview] [data-player-counter]")
    expect(counter).to_have_text("Frame 1 of 1")  # the preview shows the empty form

    page.fill("textarea[name=frames_text]", f"<o>\n{FRAME_SEPARATOR}\n<->")
    page.fill("input[name=fps]", "20")
    page.clock.run_for(TYPING_PAUSE_MS)
    expect(screen).to_have_text("<o>")
    expect(counter).to_have_text("Frame 1 of 2")
    # At the typed 20 fps a frame lasts 50 ms; then the preview loops.
    page.clock.run_for(50)
    expect(screen).to_have_text("<->")
    expect(counter).to_have_text("Frame 2 of 2")
    page.clock.run_for(50)
    expect(screen).to_have_text("<o>")
    expect(counter).to_have_text("Frame 1 of 2")

    # A speed below the limits the form renders previews at the slowest allowed, 1 fps.
    page.fill("input[name=fps]", "-3")
    page.clock.run_for(TYPING_PAUSE_MS)
    shown = counter.text_content()
    page.clock.run_for(999)
    expect(counter).to_have_text(shown)
    page.clock.run_for(1)
    expect(counter).not_to_have_text(shown)

    # A preset fills in the size and speed.
    page.select_option("[data-preset]", "cinematic")
    expect(page.locator("input[name=width]")).to_have_value("120")
    expect(page.locator("input[name=fps]")).to_have_value("24")
