"""The studio editor's live preview in a real browser.

Playwright's clock stands in for the page's timers and stays stopped, so the test moves
time on step by step and then expects what the preview shows: no sleeping, no sampling.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gallery.frames import FRAME_SEPARATOR
from gallery.models import Artwork

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

    # Two frames, typed in the frame editor: the form's field and the preview follow.
    page.locator("[data-frame-text]").fill("<o>")
    page.get_by_role("button", name="Add frame").click()
    page.locator("[data-frame-text]").fill("<->")
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


# --- The frame editor (static/js/frames_editor.js) ----------------------------------------


def signed_in_page(page, live_server, client, owner):
    client.force_login(owner)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return page


def frame_box(page):
    return page.locator("[data-frame-text]")


def test_frames_are_added_duplicated_moved_deleted_and_saved_as_shown(page, live_server,
                                                                     owner, client):  # fmt: skip
    signed_in_page(page, live_server, client, owner)
    page.goto("/studio/new/")
    page.fill("textarea[name=prompt]", "Frames by hand")
    box = frame_box(page)
    expect(page.locator("textarea[name=frames_text]")).to_be_hidden()
    box.fill("one")
    page.get_by_role("button", name="Add frame").click()
    box.fill("two")
    page.get_by_role("button", name="Duplicate").click()
    box.fill("three")
    expect(page.locator(".frame-status")).to_have_text("Frame 3 of 3")
    page.get_by_role("button", name="Move earlier").click()  # three, before two
    expect(page.locator(".frame-status")).to_have_text("Frame 2 of 3")
    page.get_by_role("button", name="Frame 1", exact=True).click()
    expect(box).to_have_value("one")
    page.get_by_role("button", name="Delete frame").click()
    expect(box).to_have_value("three")
    thumbs = page.locator(".frame-thumb pre")
    expect(thumbs).to_have_text(["three", "two"])
    # Undo brings "one" back; redo takes it away again.
    page.get_by_role("button", name="Undo").click()
    expect(thumbs).to_have_text(["one", "three", "two"])
    page.get_by_role("button", name="Redo").click()
    expect(thumbs).to_have_text(["three", "two"])
    page.fill("input[name=width]", "5")
    page.fill("input[name=height]", "1")
    page.get_by_role("button", name="Save artwork").click()
    expect(page.get_by_role("heading", name="Frames by hand")).to_be_visible()
    assert Artwork.objects.get().frames == ["three", "two"]


def test_alt_keys_step_and_duplicate_but_typing_stays_typing(page, live_server, owner,
                                                             client):  # fmt: skip
    signed_in_page(page, live_server, client, owner)
    page.goto("/studio/new/")
    box = frame_box(page)
    box.fill("")
    box.press_sequentially("nd")  # plain letters type
    expect(box).to_have_value("nd")
    box.press("Alt+KeyD")
    expect(page.locator(".frame-status")).to_have_text("Frame 2 of 2")
    box.press("Alt+ArrowLeft")
    expect(page.locator(".frame-status")).to_have_text("Frame 1 of 2")
    box.press("Alt+KeyN")
    expect(page.locator(".frame-status")).to_have_text("Frame 2 of 3")
    expect(box).to_have_value("")


def test_over_wide_lines_are_flagged_as_typed_and_refused_alike(page, live_server, owner,
                                                                client):  # fmt: skip
    signed_in_page(page, live_server, client, owner)
    page.goto("/studio/new/")
    page.fill("textarea[name=prompt]", "Too wide")
    page.fill("input[name=width]", "4")
    page.fill("input[name=height]", "2")
    frame_box(page).fill("abcdef")
    message = "Line 1 of frame 1 is 6 characters wide; the width is 4."
    expect(page.locator(".frame-problems")).to_have_text(message)
    expect(page.locator(".frame-thumb").first).to_have_class(re.compile("has-problem"))
    page.get_by_role("button", name="Save artwork").click()
    expect(page.get_by_text(message).first).to_be_visible()
    assert not Artwork.objects.exists()


def test_without_javascript_the_one_textarea_still_saves(browser_context, live_server,
                                                         owner, client):  # fmt: skip
    page = signed_in_page(browser_context(java_script_enabled=False).new_page(), live_server,
                          client, owner)  # fmt: skip
    page.goto("/studio/new/")
    page.fill("textarea[name=prompt]", "Plain")
    page.fill("textarea[name=frames_text]", f"a\n{FRAME_SEPARATOR}\nb")
    page.get_by_role("button", name="Save artwork").click()
    expect(page.get_by_role("heading", name="Plain")).to_be_visible()
    assert Artwork.objects.get().frames == ["a", "b"]


def test_unsaved_frames_are_offered_back_after_leaving(page, live_server, owner, client):
    signed_in_page(page, live_server, client, owner)
    page.goto("/studio/new/")
    frame_box(page).fill("keep me")
    # The draft is written a moment after the last change: wait for it to be there.
    kept = "() => Object.keys(localStorage).some(key => key.startsWith('asciigallery-draft'))"
    deadline = time.monotonic() + 10
    while not page.evaluate(kept):
        assert time.monotonic() < deadline, "no draft kept"
        page.wait_for_timeout(50)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?"
    page.goto("/studio/new/")
    page.get_by_role("button", name="Restore it").click()
    expect(frame_box(page)).to_have_value("keep me")


def test_the_frames_download_as_json_the_upload_takes_back(page, live_server, owner, client):
    signed_in_page(page, live_server, client, owner)
    page.goto("/studio/new/")
    frame_box(page).fill("a")
    page.get_by_role("button", name="Add frame").click()
    frame_box(page).fill("b")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download .json").click()
    assert download.value.suggested_filename == "frames.json"
    assert json.loads(Path(download.value.path()).read_text()) == {"frames": ["a", "b"]}


def test_a_line_past_the_largest_width_is_flagged_with_the_width_left_empty(
    page, live_server, owner, client
):
    signed_in_page(page, live_server, client, owner)
    page.goto("/studio/new/")
    frame_box(page).fill("x" * 301)
    expect(page.locator(".frame-problems")).to_have_text(
        "Line 1 of frame 1 is 301 characters wide; the width is 300."
    )
