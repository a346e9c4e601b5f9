"""The player in a real browser: it animates, pauses, and respects reduced motion.

Playwright's clock stands in for the page's timers and stays stopped, so a test moves
time on by whole frames and then expects what the player shows: no sleeping, no sampling.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import make_artwork

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FRAMES = [f"frame {n:02d}" for n in range(12)]
FPS = 20
FRAME_MS = 1000 // FPS
START = datetime.datetime(2024, 1, 1)


@pytest.fixture
def artwork(owner):
    return make_artwork(owner, frames=FRAMES, width=8, height=1, fps=FPS)


def open_with_stopped_clock(page, url: str) -> None:
    """Opens url with the page's timers stopped: they fire only when the test runs the clock."""
    page.clock.install(time=START)
    page.clock.pause_at(START + datetime.timedelta(minutes=1))  # it runs until paused
    page.goto(url)


def expect_frame(page, n: int) -> None:
    expect(page.locator("[data-player-screen]")).to_have_text(FRAMES[n])
    expect(page.locator("[data-player-counter]")).to_have_text(f"Frame {n + 1} of {len(FRAMES)}")


def test_frames_change_over_time_and_pause_stops_them(page, artwork):
    open_with_stopped_clock(page, artwork.get_absolute_url())
    pause = page.get_by_role("button", name="Pause")
    play = page.get_by_role("button", name="Play")
    expect(pause).to_be_visible()  # the script took over and plays
    expect_frame(page, 0)
    page.clock.run_for(FRAME_MS)
    expect_frame(page, 1)
    page.clock.run_for(FRAME_MS)
    expect_frame(page, 2)

    pause.click()
    expect(play).to_be_visible()
    page.clock.run_for(10 * FRAME_MS)
    expect_frame(page, 2)

    # Space resumes, as the button says (aria-keyshortcuts), from where it paused.
    page.locator("body").press("Space")
    expect(pause).to_be_visible()
    page.clock.run_for(FRAME_MS)
    expect_frame(page, 3)


def test_reduced_motion_waits_for_play(browser_context, artwork):
    page = browser_context(reduced_motion="reduce").new_page()
    open_with_stopped_clock(page, artwork.get_absolute_url())
    play = page.get_by_role("button", name="Play")
    expect(play).to_be_visible()  # the script took over and waits
    page.clock.run_for(10 * FRAME_MS)
    expect_frame(page, 0)

    play.click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.clock.run_for(FRAME_MS)
    expect_frame(page, 1)


def test_without_javascript_the_first_frame_is_shown(browser_context, artwork):
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(artwork.get_absolute_url())
    expect_frame(page, 0)
    expect(page.locator("[data-player-toggle]")).to_be_hidden()
