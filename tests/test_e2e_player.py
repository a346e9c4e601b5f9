"""The player in a real browser: it animates, pauses, and respects reduced motion."""

from __future__ import annotations

import pytest

from tests.factories import make_artwork

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FRAMES = [f"frame {n:02d}" for n in range(12)]


@pytest.fixture
def artwork(owner):
    return make_artwork(owner, frames=FRAMES, width=8, height=1, fps=20)


def screen_text(page) -> str:
    return page.locator("[data-player-screen]").inner_text()


def test_frames_change_over_time_and_pause_stops_them(page, artwork):
    page.goto(artwork.get_absolute_url())
    seen = set()
    for _ in range(10):
        seen.add(screen_text(page))
        page.wait_for_timeout(60)
    assert len(seen) >= 3, seen
    assert page.locator("[data-player-counter]").inner_text().startswith("Frame ")

    page.get_by_role("button", name="Pause").click()
    paused_at = screen_text(page)
    page.wait_for_timeout(300)
    assert screen_text(page) == paused_at

    # Space resumes, as the button says (aria-keyshortcuts).
    page.locator("body").press("Space")
    page.wait_for_timeout(300)
    assert screen_text(page) != paused_at


def test_reduced_motion_waits_for_play(browser_context, artwork):
    page = browser_context(reduced_motion="reduce").new_page()
    page.goto(artwork.get_absolute_url())
    first = screen_text(page)
    page.wait_for_timeout(300)
    assert screen_text(page) == first == "frame 00"
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(300)
    assert screen_text(page) != first


def test_without_javascript_the_first_frame_is_shown(browser_context, artwork):
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(artwork.get_absolute_url())
    assert screen_text(page) == "frame 00"
    assert not page.get_by_role("button", name="Pause").is_visible()
