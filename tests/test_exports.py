"""Exports: GIF, PNG, SVG, text and JSON; who may fetch them; caching in the S3 bucket."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageSequence

from gallery import exports
from gallery.forms import frames_from_file
from gallery.models import Visibility
from tests.factories import make_artwork

pytestmark = [pytest.mark.django_db, pytest.mark.storage]

SVG = "{http://www.w3.org/2000/svg}"


def numbered_frames(count: int, width: int = 12, height: int = 3) -> list[str]:
    """`count` different frames: a dot walking along a line, and the frame's number."""
    return [
        "\n".join(
            [
                ("." * (index % width)).ljust(width - 1) + "o",
                f"  frame {index}"[:width],
                " /|\\"[: min(width, 4)],
            ][:height]
        )
        for index in range(count)
    ]


def url_for(artwork, fmt: str, **query) -> str:
    path = reverse("gallery:export", args=[artwork.public_id, fmt])
    if query:
        path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return path


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def stored_keys(s3, artwork) -> set[str]:
    listing = s3.list_objects_v2(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=f"exports/{artwork.public_id}/"
    )
    return {item["Key"] for item in listing.get("Contents", [])}


def gif_frames(data: bytes) -> list[tuple[int, Image.Image]]:
    """(duration in ms, RGB picture) of every frame, as a viewer would play them."""
    gif = Image.open(io.BytesIO(data))
    return [(frame.info["duration"], frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]


@pytest.fixture
def artwork(owner):
    return make_artwork(owner, frames=numbered_frames(12), width=12, height=3, fps=10)


# --- GIF ------------------------------------------------------------------------------


def test_the_gif_has_every_frame_with_delays_from_the_fps(client, artwork):
    response = client.get(url_for(artwork, "gif"))
    assert response.status_code == 200
    data = body(response)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF"
    assert gif.n_frames == 12
    assert [duration for duration, _ in gif_frames(data)] == [100] * 12
    assert gif.info["loop"] == 0  # forever


def test_gif_delays_add_up_to_the_artworks_length_when_1_over_fps_is_not_whole():
    data = exports.render_gif(numbered_frames(16), 12, 3, fps=8)
    durations = [duration for duration, _ in gif_frames(data)]
    assert len(durations) == 16
    assert set(durations) == {120, 130}  # GIF counts hundredths of a second
    assert sum(durations) == 2000  # 16 frames at 8 fps


def test_gif_frames_above_50_fps_get_the_shortest_delay_browsers_honour():
    data = exports.render_gif(numbered_frames(4), 12, 3, fps=60)
    assert [duration for duration, _ in gif_frames(data)] == [20] * 4


def test_gif_frames_show_different_pictures(artwork):
    pictures = [
        picture.tobytes()
        for _, picture in gif_frames(
            exports.render_gif(artwork.frames, artwork.width, artwork.height, artwork.fps)
        )
    ]
    assert len(set(pictures)) == 12


def test_repeated_frames_are_merged_without_changing_the_playing_time():
    data = exports.render_gif(["a", "a", "a", "b"], 1, 1, fps=10)
    assert [duration for duration, _ in gif_frames(data)] == [300, 100]


def test_the_picture_grows_in_proportion_to_the_grid():
    cell = exports.grid()
    sizes = {}
    for width, height in [(10, 4), (20, 4), (10, 8), (40, 16)]:
        frames = numbered_frames(2, width, height)
        sizes[width, height] = Image.open(
            io.BytesIO(exports.render_gif(frames, width, height, 10))
        ).size
    inner = {key: (w - 2 * cell.padding, h - 2 * cell.padding) for key, (w, h) in sizes.items()}
    assert inner[10, 4] == (10 * cell.cell_width, 4 * cell.line_height)
    assert inner[20, 4] == (2 * inner[10, 4][0], inner[10, 4][1])
    assert inner[10, 8] == (inner[10, 4][0], 2 * inner[10, 4][1])
    assert inner[40, 16] == (4 * inner[10, 4][0], 4 * inner[10, 4][1])
    assert cell.padding > 0  # the art never touches the edge


def test_the_gif_uses_the_theme_colours(client, artwork):
    dark = gif_frames(body(client.get(url_for(artwork, "gif"))))[0][1]
    light = gif_frames(body(client.get(url_for(artwork, "gif", theme="light"))))[0][1]
    assert dark.getpixel((0, 0)) == (0x11, 0x14, 0x18)
    assert light.getpixel((0, 0)) == (0xF6, 0xF5, 0xF1)
    # The ink is the text colour (a full-coverage pixel somewhere in the art).
    assert (0xD9, 0xE6, 0xD3) in {colour for _, colour in dark.getcolors()}
    assert (0x1D, 0x1F, 0x23) in {colour for _, colour in light.getcolors()}


def test_a_gif_too_big_to_draw_answers_413_and_other_formats_still_work(client, owner):
    frames = ["x" * 80] * 500
    art = make_artwork(owner, frames=frames, width=80, height=100, fps=10)
    response = client.get(url_for(art, "gif"))
    assert response.status_code == 413
    assert b"SVG" in response.content
    assert client.get(url_for(art, "json")).status_code == 200


# --- PNG ------------------------------------------------------------------------------


def test_the_png_is_the_first_frame_at_the_gif_size(client, artwork):
    png = Image.open(io.BytesIO(body(client.get(url_for(artwork, "png")))))
    assert png.format == "PNG"
    assert getattr(png, "n_frames", 1) == 1
    first_gif_frame = gif_frames(body(client.get(url_for(artwork, "gif"))))[0][1]
    assert png.size == first_gif_frame.size == exports.grid().canvas(12, 3)
    assert png.convert("RGB").tobytes() == first_gif_frame.tobytes()


def test_the_light_theme_differs_from_the_dark_one(client, artwork):
    dark = body(client.get(url_for(artwork, "png")))
    light = body(client.get(url_for(artwork, "png", theme="light")))
    assert dark != light
    assert Image.open(io.BytesIO(light)).convert("RGB").getpixel((0, 0)) == (0xF6, 0xF5, 0xF1)


def test_an_unknown_theme_gets_the_dark_one(client, artwork):
    dark = client.get(url_for(artwork, "png"))
    odd = client.get(url_for(artwork, "png", theme="neon"))
    assert body(odd) == body(dark)
    assert odd["ETag"] == dark["ETag"]


# --- SVG ------------------------------------------------------------------------------


def svg_of(client, artwork, **query) -> ET.Element:
    response = client.get(url_for(artwork, "svg", **query))
    assert response.status_code == 200
    return ET.fromstring(body(response))


def test_the_svg_is_xml_holding_every_frame_line_by_line(client, owner):
    frames = ['  leading\n<&> "quotes"\n', "x\n\n   y", "last  "]
    art = make_artwork(owner, frames=frames, width=20, height=3, fps=4)
    root = svg_of(client, art)
    texts = root.findall(f"{SVG}text")
    assert len(texts) == 3
    for text, frame in zip(texts, frames, strict=True):
        assert text.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
        lines = [tspan.text or "" for tspan in text.findall(f"{SVG}tspan")]
        assert lines == [line.rstrip() for line in frame.split("\n")]
    assert root.find(f"{SVG}title").text == art.prompt


def test_the_svg_has_no_script_and_no_external_reference(client, artwork):
    response = client.get(url_for(artwork, "svg"))
    root = ET.fromstring(body(response))
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    attributes = {name for element in root.iter() for name in element.attrib}
    assert not [name for name in attributes if name.endswith("href") or name.startswith("on")]
    style = root.find(f"{SVG}style").text
    assert "url(" not in style and "@import" not in style
    # Opened on its own, the browser may not run script or fetch anything either.
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def test_the_svg_animation_follows_the_fps_and_frame_count(client, owner):
    art = make_artwork(owner, frames=numbered_frames(8), width=12, height=3, fps=4)
    root = svg_of(client, art)
    style = root.find(f"{SVG}style").text
    # One cycle lasts frame_count / fps seconds and loops forever...
    assert re.search(r"\.f\{[^}]*animation:play 2s step-end infinite", style)
    # ...and each frame is shown for its 1/frame_count of it...
    assert "@keyframes play{0%{visibility:visible}12.5%{visibility:hidden}}" in style
    # ...starting i / fps seconds in.
    delays = [text.get("style") for text in root.findall(f"{SVG}text")]
    assert delays == [f"animation-delay:{exports.svg._number(i / 4)}s" for i in range(8)]


def test_a_single_frame_svg_is_still(client, owner):
    art = make_artwork(owner, frames=["still"], width=5, height=1)
    root = svg_of(client, art)
    assert "animation" not in root.find(f"{SVG}style").text
    assert root.find(f"{SVG}text").get("class") is None


# --- Text and JSON --------------------------------------------------------------------


REIMPORT_FRAMES = ["  /\\\n /  \\\n/____\\", "\n  mid blank\n\nline", '  <tag> & "ü" ★']


def test_the_json_export_reimports_to_the_same_frames(client, owner):
    art = make_artwork(owner, frames=REIMPORT_FRAMES, width=16, height=4, fps=6, style="line")
    response = client.get(url_for(art, "json"))
    assert response["Content-Type"] == "application/json"
    upload = SimpleUploadedFile("art.json", body(response), content_type="application/json")
    assert frames_from_file(upload) == REIMPORT_FRAMES
    data = response.json()
    assert data["frames"] == REIMPORT_FRAMES
    assert {key: data[key] for key in ("prompt", "width", "height", "fps", "style")} == {
        "prompt": art.prompt,
        "width": 16,
        "height": 4,
        "fps": 6,
        "style": "line",
    }
    assert data["public_id"] == art.public_id
    assert data["url"] == f"http://testserver/a/{art.public_id}/"
    assert data["generator"] == art.generator and data["model"] == art.model
    assert data["created_at"] == art.created_at.isoformat()


def test_the_text_export_reimports_to_the_same_frames(client, owner):
    art = make_artwork(owner, frames=REIMPORT_FRAMES, width=16, height=4)
    response = client.get(url_for(art, "txt"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    upload = SimpleUploadedFile("art.txt", body(response), content_type="text/plain")
    assert frames_from_file(upload) == REIMPORT_FRAMES


# --- Who may fetch an export ------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(exports.FORMATS))
def test_a_private_export_is_404_for_anonymous_and_other_users(client, owner, other_user, fmt):
    art = make_artwork(owner, visibility=Visibility.PRIVATE)
    assert client.get(url_for(art, fmt)).status_code == 404
    client.force_login(other_user)
    assert client.get(url_for(art, fmt)).status_code == 404


@pytest.mark.parametrize("fmt", sorted(exports.FORMATS))
def test_a_private_export_is_200_for_its_owner_and_staff_and_never_shared(
    client, owner, staff_user, fmt
):
    art = make_artwork(owner, visibility=Visibility.PRIVATE)
    for user in (owner, staff_user):
        client.force_login(user)
        response = client.get(url_for(art, fmt))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, max-age=0, must-revalidate"


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.UNLISTED])
def test_public_and_unlisted_exports_are_200_for_anyone_and_cacheable(client, owner, visibility):
    art = make_artwork(owner, visibility=visibility)
    # The versioned URL (what the site links to) is cached for a day...
    response = client.get(exports.export_url(art, "png"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=86400"
    # ...the bare URL (a README's image) only for minutes, so edits show up soon.
    assert client.get(url_for(art, "png"))["Cache-Control"] == "public, max-age=300"
    assert client.get(url_for(art, "png", v="stale123"))["Cache-Control"] == ("public, max-age=300")


def test_an_unknown_artwork_or_format_is_404(client, artwork):
    assert client.get(url_for(artwork, "bmp")).status_code == 404
    assert client.get(reverse("gallery:export", args=["nope", "gif"])).status_code == 404


def test_exports_are_read_only(client, artwork):
    assert client.post(url_for(artwork, "gif")).status_code == 405


# --- Headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, content_type",
    [
        ("gif", "image/gif"),
        ("png", "image/png"),
        ("svg", "image/svg+xml"),
        ("txt", "text/plain; charset=utf-8"),
        ("json", "application/json"),
    ],
)
def test_each_format_has_its_type_and_an_inline_name_from_the_prompt(
    client, owner, fmt, content_type
):
    art = make_artwork(owner, prompt="A Cat, Sleeping!")
    response = client.get(url_for(art, fmt))
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'inline; filename="a-cat-sleeping.{fmt}"'
    assert re.fullmatch(r'"[0-9a-f]{16}-[a-z-]+"', response["ETag"])


def test_download_1_asks_the_browser_to_save_the_file(client, owner):
    art = make_artwork(owner, prompt="Rain")
    response = client.get(url_for(art, "gif", download=1))
    assert response["Content-Disposition"] == 'attachment; filename="rain.gif"'


def test_a_prompt_without_latin_letters_still_names_the_file(client, owner):
    art = make_artwork(owner, prompt="猫")
    response = client.get(url_for(art, "txt"))
    assert response["Content-Disposition"] == f'inline; filename="artwork-{art.public_id}.txt"'


# --- Caching --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(exports.STORED_FORMATS))
def test_the_first_request_stores_the_export_in_the_bucket(client, s3, artwork, fmt):
    assert stored_keys(s3, artwork) == set()
    response = client.get(url_for(artwork, fmt))
    stored = s3.get_object(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME,
        Key=exports.export_storage_name(artwork, fmt, "dark"),
    )
    assert stored["Body"].read() == body(response)
    assert stored_keys(s3, artwork) == {exports.export_storage_name(artwork, fmt, "dark")}


@pytest.mark.parametrize("fmt", sorted(exports.STORED_FORMATS))
def test_the_second_request_is_served_from_the_bucket_not_drawn_again(client, s3, artwork, fmt):
    client.get(url_for(artwork, fmt))
    # Replace the stored object: if the export were drawn again, this would not come back.
    key = exports.export_storage_name(artwork, fmt, "dark")
    s3.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key, Body=b"from the bucket")
    response = client.get(url_for(artwork, fmt))
    assert response.status_code == 200
    assert body(response) == b"from the bucket"


def test_cached_export_names_the_stored_object(artwork):
    name, content_type, etag = exports.cached_export(artwork, "svg", "light")
    assert name == f"exports/{artwork.public_id}/{exports.export_version(artwork)}-light.svg"
    assert content_type == "image/svg+xml"
    assert etag == exports.export_etag(artwork, "svg", "light")
    assert exports.cached_export(artwork, "svg", "light") == (name, content_type, etag)


@pytest.mark.parametrize("fmt", sorted(exports.FORMATS))
def test_if_none_match_with_the_current_etag_gives_304(client, artwork, fmt):
    first = client.get(url_for(artwork, fmt))
    again = client.get(url_for(artwork, fmt), headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == first["Cache-Control"]
    assert body(again) == b""
    stale = client.get(url_for(artwork, fmt), headers={"if-none-match": '"old"'})
    assert stale.status_code == 200


def test_a_304_never_touches_the_bucket(client, s3, artwork):
    etag = exports.export_etag(artwork, "gif", "dark")
    response = client.get(url_for(artwork, "gif"), headers={"if-none-match": etag})
    assert response.status_code == 304
    assert stored_keys(s3, artwork) == set()  # nothing was drawn, so nothing stored


def test_themes_and_formats_have_their_own_etags(client, artwork):
    etags = {
        client.get(url_for(artwork, fmt, theme=theme))["ETag"]
        for fmt in ("gif", "png", "svg")
        for theme in ("dark", "light")
    }
    assert len(etags) == 6


def test_an_edit_gives_a_new_etag_new_content_and_drops_the_old_objects(client, s3, artwork):
    before = client.get(url_for(artwork, "gif"))
    old_key = exports.export_storage_name(artwork, "gif", "dark")
    artwork.frames = numbered_frames(5)
    artwork.save()  # bumps updated_at
    after = client.get(url_for(artwork, "gif"), headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert Image.open(io.BytesIO(body(after))).n_frames == 5
    assert stored_keys(s3, artwork) == {exports.export_storage_name(artwork, "gif", "dark")}
    assert old_key not in stored_keys(s3, artwork)


def test_a_new_fps_gives_a_new_version(artwork):
    before = exports.export_version(artwork)
    artwork.fps = 12
    assert exports.export_version(artwork) != before


def test_export_urls_carry_the_version(artwork):
    url = exports.export_url(artwork, "png", theme="light")
    version = exports.export_version(artwork)[:8]
    assert url == f"/a/{artwork.public_id}/export.png?v={version}&theme=light"


def test_delete_exports_removes_every_stored_object_and_only_those(s3, owner, artwork):
    neighbour = make_artwork(owner)
    exports.cached_export(neighbour, "png")
    for fmt in ("gif", "png", "svg"):
        for theme in ("dark", "light"):
            exports.cached_export(artwork, fmt, theme)
    assert len(stored_keys(s3, artwork)) == 6
    artwork.delete()  # post_delete: the instance keeps its public_id
    assert exports.delete_exports(artwork) == 6
    assert stored_keys(s3, artwork) == set()
    assert len(stored_keys(s3, neighbour)) == 1
    assert exports.delete_exports(artwork) == 0  # nothing left: still fine


@pytest.mark.django_db(transaction=True)
def test_deleting_an_artwork_removes_its_cached_exports(client, s3, owner):
    doomed = make_artwork(owner, frames=numbered_frames(3), width=12, height=3)
    for fmt in ("gif", "png", "svg"):
        assert client.get(url_for(doomed, fmt)).status_code == 200
    assert len(stored_keys(s3, doomed)) == 3
    doomed.delete()
    assert stored_keys(s3, doomed) == set()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_requests_render_once(client, s3, owner):
    import threading

    from django.db import connection
    from django.test import Client

    art = make_artwork(owner, frames=numbered_frames(20), width=12, height=3)
    barrier = threading.Barrier(6)
    statuses = []

    def fetch():
        try:
            barrier.wait()
            statuses.append(Client().get(url_for(art, "gif")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert len(stored_keys(s3, art)) == 1  # one object: nobody rendered twice
