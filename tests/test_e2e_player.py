"""The player in a real browser: it animates from the frames it fetches, pauses, and
respects reduced motion; without the frames (no JavaScript, a failed fetch) the first
frame stays.

Playwright's clock stands in for the page's timers and stays stopped, so a test moves
time on by whole frames and then expects what the player shows: no sleeping, no sampling.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import make_artwork
from tests.test_artwork_frames import random_frames

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


def test_a_big_artwork_plays_from_the_frames_fetched_apart(page, owner):
    frames = [f"frame {n:02d}\n{art}" for n, art in enumerate(random_frames(72, 120, 39))]
    artwork = make_artwork(owner, frames=frames, width=120, height=40, fps=FPS)
    screen = page.locator("[data-player-screen]")
    counter = page.locator("[data-player-counter]")
    with page.expect_response(lambda response: "frames.json" in response.url) as fetched:
        open_with_stopped_clock(page, artwork.get_absolute_url())
    assert fetched.value.status == 200
    expect(page.locator("#player-frames")).to_have_count(0)  # not in the page
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(counter).to_have_text("Frame 1 of 72")
    page.clock.run_for(5 * FRAME_MS)
    expect(screen).to_contain_text("frame 05")
    expect(counter).to_have_text("Frame 6 of 72")


def test_a_private_artwork_plays_for_its_owner(page, live_server, owner, client):
    artwork = make_artwork(owner, frames=FRAMES, width=8, height=1, fps=FPS, visibility="private")
    client.force_login(owner)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    open_with_stopped_clock(page, artwork.get_absolute_url())
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.clock.run_for(FRAME_MS)
    expect_frame(page, 1)


@pytest.mark.parametrize("failure", ["network", "http"])
def test_when_the_frames_fail_to_come_the_first_frame_stays(page, artwork, failure):
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    if failure == "network":
        page.route("**/frames.json*", lambda route: route.abort())
    else:
        page.route("**/frames.json*", lambda route: route.fulfill(status=503, body="later"))
    event = "requestfailed" if failure == "network" else "requestfinished"
    with page.expect_event(event, lambda request: "frames.json" in request.url):
        open_with_stopped_clock(page, artwork.get_absolute_url())
    # One more round trip, by when the failure has been handled (or thrown).
    page.evaluate("() => fetch(document.querySelector('script[src*=player]').src)")
    page.clock.run_for(10 * FRAME_MS)
    expect_frame(page, 0)
    expect(page.locator("[data-player-toggle]")).to_be_hidden()
    assert errors == []


# --- Controls, keys, the URL's start, fit (issue 15) -------------------------------------


def player_state(page, name: str) -> str:
    return page.locator("[data-player]").get_attribute(f"data-{name}")


def test_the_seek_bar_and_the_frame_steps_move_the_frame_shown(page, artwork):
    open_with_stopped_clock(page, artwork.get_absolute_url())
    seek = page.get_by_role("slider", name="Position in the animation")
    expect(seek).to_be_visible()
    page.get_by_role("button", name="Pause").click()
    seek.evaluate("(el) => { el.value = '7'; el.dispatchEvent(new Event('input')); }")
    expect_frame(page, 7)
    page.get_by_role("button", name="Next frame").click()
    expect_frame(page, 8)
    page.get_by_role("button", name="Previous frame").click()
    page.get_by_role("button", name="Previous frame").click()
    expect_frame(page, 6)
    expect(seek).to_have_value("6")
    expect(page.locator("[data-player-time]")).to_have_text("0:00.3 / 0:00.6")


def test_the_time_counts_whole_tenths(page, owner):
    # 48 frames at 10 fps last 4.8 s (a float's 4.799... must not show as 0:04.7).
    artwork = make_artwork(owner, frames=[str(n) for n in range(48)], width=2, height=1, fps=10)
    open_with_stopped_clock(page, artwork.get_absolute_url())
    expect(page.locator("[data-player-time]")).to_have_text("0:00.0 / 0:04.8")


def test_speed_two_halves_the_frame_interval(page, artwork):
    open_with_stopped_clock(page, artwork.get_absolute_url())
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    assert float(player_state(page, "frame-interval")) == FRAME_MS
    page.get_by_label("Speed").select_option("2")
    expect(page.locator("[data-player]")).to_have_attribute(
        "data-frame-interval", str(FRAME_MS // 2)
    )
    page.clock.run_for(FRAME_MS // 2)
    expect_frame(page, 1)


def test_loop_off_stops_on_the_last_frame(page, artwork):
    open_with_stopped_clock(page, artwork.get_absolute_url())
    loop = page.get_by_role("button", name="Loop")
    expect(loop).to_have_attribute("aria-pressed", "true")
    loop.click()
    expect(loop).to_have_attribute("aria-pressed", "false")
    page.clock.run_for(len(FRAMES) * FRAME_MS * 2)
    expect_frame(page, len(FRAMES) - 1)
    expect(page.get_by_role("button", name="Play")).to_be_visible()


@pytest.mark.parametrize(("fragment", "frame"), [("#f=5", 4), ("#t=0.25", 5), ("#t=99", 11)])
def test_the_url_says_where_to_start(page, artwork, fragment, frame):
    open_with_stopped_clock(page, artwork.get_absolute_url() + fragment)
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect_frame(page, frame)


def test_keys_drive_the_player_but_not_inside_a_field(page, artwork):
    open_with_stopped_clock(page, artwork.get_absolute_url())
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    body = page.locator("body")
    body.press("Space")  # pause on frame 1
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    body.press(".")
    expect_frame(page, 1)
    body.press("ArrowRight")
    expect_frame(page, 2)
    body.press(",")
    expect_frame(page, 1)
    body.press("5")  # 50%
    expect_frame(page, 6)
    body.press("?")
    expect(page.locator("[data-player-help]")).to_be_visible()
    # Typing in a field is typing: no key reaches the player.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<input id=typing>')")
    field = page.locator("#typing")
    field.press_sequentially("9., f?")
    expect(field).to_have_value("9., f?")
    expect_frame(page, 6)
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    # With a modifier, the browser's own shortcut: not the player's.
    body.press("Control+5")
    expect_frame(page, 6)


def test_f_toggles_fullscreen(page, artwork):
    open_with_stopped_clock(page, artwork.get_absolute_url())
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.locator("body").press("f")
    page.wait_for_function("document.fullscreenElement?.matches('[data-player]')")
    page.get_by_role("button", name="Fullscreen").click()
    page.wait_for_function("document.fullscreenElement === null")


def test_a_120_column_artwork_fits_its_box_on_a_phone(browser_context, owner):
    frames = ["#" * 120 + "\n" + "=" * 120, "-" * 120]  # the second is one line shorter
    artwork = make_artwork(owner, frames=frames, width=120, height=2, fps=2,
                           visibility="public")  # fmt: skip
    page = browser_context(viewport={"width": 390, "height": 800}).new_page()
    open_with_stopped_clock(page, artwork.get_absolute_url())
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    fits = """() => {
        const box = document.querySelector('[data-player]').getBoundingClientRect();
        const art = document.querySelector('[data-player-screen]');
        const r = art.getBoundingClientRect();
        return [r.left >= box.left && r.right <= box.right, art.scrollWidth <= art.clientWidth,
                document.documentElement.scrollWidth <= window.innerWidth, r.height];
    }"""
    first = page.evaluate(fits)
    assert first[:3] == [True, True, True]
    page.clock.run_for(500)
    expect(page.locator("[data-player-screen]")).to_have_text("-" * 120)
    assert page.evaluate(fits)[3] == first[3]  # a shorter frame, the same box


def test_an_embed_takes_speed_start_and_no_controls(page, artwork):
    open_with_stopped_clock(page, f"/a/{artwork.public_id}/embed/?speed=2&t=0.1")
    expect(page.locator("[data-player]")).to_have_attribute("data-frame-interval", "25")
    expect_frame(page, 2)
    open_with_stopped_clock(page, f"/a/{artwork.public_id}/embed/?controls=0&speed=9&t=x")
    expect(page.locator("[data-player-toggle]")).to_have_count(0)
    expect(page.locator("[data-player]")).to_have_attribute("data-frame-interval", "50")


def test_a_card_previews_its_animation_while_pointed_at(page, artwork):
    with page.expect_response(lambda r: "frames.json" in r.url) as fetched:
        open_with_stopped_clock(page, "/")
        page.locator(".card-link").first.hover()
    assert fetched.value.status == 200
    card = page.locator(".card-link").first
    expect(card).to_have_attribute("data-previewing", "true")
    page.clock.run_for(FRAME_MS)
    expect(card.locator(".card-art")).to_have_text(FRAMES[1])
    page.mouse.move(0, 0)
    expect(card.locator(".card-art")).to_have_text(FRAMES[0])


def test_cards_stay_still_with_reduced_motion(browser_context, artwork):
    page = browser_context(reduced_motion="reduce").new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_with_stopped_clock(page, "/")
    page.locator(".card-link").first.hover()
    page.clock.run_for(10 * FRAME_MS)
    expect(page.locator(".card-art").first).to_have_text(FRAMES[0])
    assert not any("frames.json" in url for url in requests)
