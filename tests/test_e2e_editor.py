"""The studio editor's live preview in a real browser."""

from __future__ import annotations

import pytest

from gallery.frames import FRAME_SEPARATOR

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_preview_plays_what_is_typed(page, live_server, owner, client):
    client.force_login(owner)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.goto("/studio/new/")
    page.fill("textarea[name=frames_text]", f"<o>\n{FRAME_SEPARATOR}\n<->")
    page.fill("input[name=fps]", "20")
    page.wait_for_timeout(400)  # the preview follows typing after a short pause
    seen = set()
    for _ in range(10):
        page.wait_for_timeout(80)
        seen.add(page.locator("[data-preview] [data-player-screen]").inner_text())
    assert seen == {"<o>", "<->"}
    assert page.locator("[data-preview] [data-player-counter]").inner_text().endswith("of 2")

    # A preset fills in the size and speed.
    page.select_option("[data-preset]", "cinematic")
    assert page.input_value("input[name=width]") == "120"
    assert page.input_value("input[name=fps]") == "24"
