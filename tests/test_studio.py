"""The creator studio: create, edit, delete, visibility, remix, collections."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import UserSettings
from gallery.frames import FRAME_SEPARATOR
from gallery.generation import run_generation
from gallery.models import Artwork, Collection, CollectionItem, Generation, Like, Share
from tests.factories import make_artwork, make_collection, make_share, make_user
from tests.htmlforms import form_data
from tests.test_accounts import csrf_post

pytestmark = pytest.mark.django_db

SEP = f"\n{FRAME_SEPARATOR}\n"


def generate_data(**overrides) -> dict:
    data = {"prompt": "rain", "preset": "minimal", "frame_count": 4, "provider": "procedural",
            "model": "", "seed": "", "style": ""}  # fmt: skip
    data.update(overrides)
    return data


def with_openrouter_key(user) -> None:
    from accounts.models import ApiKey

    ApiKey.objects.create(user=user, name="k", provider="openrouter", key="sk-or-12345678")


def editor_data(**overrides) -> dict:
    data = {
        "prompt": "a blinking eye",
        "frames_text": SEP.join(["(o)", "(-)", "(o)"]),
        "width": "",
        "height": "",
        "fps": "6",
        "style": "minimal",
        "visibility": "public",
        "generator": "",
        "model": "",
        "remix_of": "",
    }
    data.update(overrides)
    return data


# --- Who may reach the studio ------------------------------------------------------


def studio_urls_for(artwork: Artwork, collection: Collection, item: CollectionItem):
    """Every studio URL that names someone's object, with the method it takes."""
    return [
        ("get", reverse("gallery:studio_edit", args=[artwork.public_id])),
        ("post", reverse("gallery:studio_edit", args=[artwork.public_id])),
        ("get", reverse("gallery:studio_delete", args=[artwork.public_id])),
        ("post", reverse("gallery:studio_delete", args=[artwork.public_id])),
        ("post", reverse("gallery:studio_visibility", args=[artwork.public_id])),
        ("get", reverse("gallery:studio_collection", args=[collection.public_id])),
        ("post", reverse("gallery:studio_collection", args=[collection.public_id])),
        ("get", reverse("gallery:studio_collection_delete", args=[collection.public_id])),
        ("post", reverse("gallery:studio_collection_delete", args=[collection.public_id])),
        ("post", reverse("gallery:studio_collection_remove", args=[collection.public_id, item.pk])),
        ("post", reverse("gallery:studio_collection_move", args=[collection.public_id, item.pk])),
    ]


def test_studio_pages_need_a_login(client, owner):
    for url in ("/studio/", "/studio/new/", "/studio/generate/", "/studio/collections/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("intruder", ["other_user", "staff_user"])
def test_other_users_get_404_on_every_studio_url_of_someone_elses_object(
    client, request, owner, intruder
):
    artwork = make_artwork(owner, visibility="public")
    collection = make_collection(owner, artworks=[artwork])
    item = collection.items.get()
    client.force_login(request.getfixturevalue(intruder))
    for method, url in studio_urls_for(artwork, collection, item):
        response = getattr(client, method)(url, {"visibility": "private", "direction": "up"})
        assert response.status_code == 404, (method, url)
    # Nothing changed.
    artwork.refresh_from_db()
    assert artwork.visibility == "public"
    assert Collection.objects.filter(pk=collection.pk).exists()
    response = client.post(
        reverse("gallery:studio_collection_add"),
        {"collection": collection.public_id, "artwork": artwork.public_id},
    )
    assert response.status_code == 404


def test_the_studio_lists_every_own_artwork_and_nobody_elses(client, owner, other_user):
    for visibility in ("public", "unlisted", "private"):
        make_artwork(owner, prompt=f"my {visibility} piece", visibility=visibility)
    make_artwork(other_user, prompt="someone else's piece")
    client.force_login(owner)
    page = client.get("/studio/").text
    assert all(f"my {v} piece" in page for v in ("public", "unlisted", "private"))
    assert "someone else" not in page
    only_private = client.get("/studio/", {"visibility": "private"}).text
    assert "my private piece" in only_private and "my public piece" not in only_private
    searched = client.get("/studio/", {"q": "unlisted"}).text
    assert "<mark>unlisted</mark>" in searched and "my public piece" not in searched


def test_the_studio_empty_state(client, owner):
    client.force_login(owner)
    assert "You have no artworks yet" in client.get("/studio/").text


# --- Create and edit ----------------------------------------------------------------


def test_create_through_the_editor_with_csrf(csrf_client, owner):
    csrf_client.force_login(owner)
    response = csrf_post(csrf_client, reverse("gallery:studio_new"), editor_data())
    assert response.status_code == 302
    artwork = Artwork.objects.get(owner=owner)
    assert response["Location"] == artwork.get_absolute_url()
    assert artwork.frames == ["(o)", "(-)", "(o)"]
    assert (artwork.width, artwork.height, artwork.fps) == (3, 1, 6)  # measured
    assert artwork.generator == "manual"


def test_the_create_form_starts_with_the_default_visibility(client, owner):
    UserSettings.objects.create(user=owner, default_visibility="unlisted")
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_new")).text
    checked = re.findall(r'<input type="radio" name="visibility" value="(\w+)"[^>]*checked', page)
    assert checked == ["unlisted"]


def test_an_explicit_size_larger_than_the_frames_is_kept(client, owner):
    client.force_login(owner)
    client.post(reverse("gallery:studio_new"), editor_data(width="10", height="4"))
    artwork = Artwork.objects.get(owner=owner)
    assert (artwork.width, artwork.height) == (10, 4)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"frames_text": "   "}, "frames_text", "Add at least one frame"),
        ({"frames_text": SEP.join(["x"] * 501)}, "frames_text", "at most 500 frames"),
        ({"frames_text": "a" * 301}, "width", "Width must be a whole number from 1 to 300"),
        ({"frames_text": "\n".join(["a"] * 151)}, "height", "from 1 to 150"),
        ({"frames_text": "abcdef", "width": "3"}, "frames_text", "6 characters wide"),
        ({"frames_text": "a\nb\nc", "height": "2"}, "frames_text", "has 3 lines"),
        ({"frames_text": "tab\there"}, "frames_text", "a tab"),
        ({"fps": "0"}, "fps", "greater than or equal to 1"),
        ({"fps": "61"}, "fps", "less than or equal to 60"),
        ({"width": "301"}, "width", "less than or equal to 300"),
        ({"prompt": ""}, "prompt", "This field is required"),
        ({"prompt": "   "}, "prompt", "required"),
        ({"prompt": "x" * 2001}, "prompt", "at most 2000 characters"),
        ({"visibility": "secret"}, "visibility", "Select a valid choice"),
    ],
)
def test_every_limit_is_a_field_error_and_nothing_is_saved(
    client, owner, overrides, field, message
):
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_new"), editor_data(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Artwork.objects.exists()


def test_upload_a_json_file_of_frames(client, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("frames.json", json.dumps(["ab", "ba"]).encode())
    response = client.post(
        reverse("gallery:studio_new"), {**editor_data(frames_text=""), "frames_file": upload}
    )
    assert response.status_code == 302
    assert Artwork.objects.get().frames == ["ab", "ba"]


def test_upload_accepts_the_json_export_shape_and_txt(client, owner):
    client.force_login(owner)
    export = SimpleUploadedFile("a.json", json.dumps({"frames": ["x", "y"], "fps": 3}).encode())
    client.post(reverse("gallery:studio_new"), {**editor_data(), "frames_file": export})
    text = SimpleUploadedFile("b.txt", SEP.join(["1", "2", "3"]).encode())
    client.post(reverse("gallery:studio_new"), {**editor_data(), "frames_file": text})
    assert sorted(len(a.frames) for a in Artwork.objects.all()) == [2, 3]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", b'{"frames": [1, 2]}', "must hold a list of text frames"),
        ("a.json", b'"just a string"', "must hold a list of text frames"),
        ("a.json", b"[]", "holds no frames"),
        ("a.json", b"{not json", "not valid JSON"),
        ("a.png", b"\x89PNG", "Upload a .txt or .json file"),
        ("a.txt", b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_bad_frame_files_are_rejected_clearly(client, owner, name, content, message):
    client.force_login(owner)
    upload = SimpleUploadedFile(name, content)
    response = client.post(reverse("gallery:studio_new"), {**editor_data(), "frames_file": upload})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["frames_file"])
    assert not Artwork.objects.exists()


def test_edit_keeps_the_frames_round_trip(client, owner):
    artwork = make_artwork(owner, frames=["a\nb", "c\nd"], width=1, height=2)
    client.force_login(owner)
    form = client.get(reverse("gallery:studio_edit", args=[artwork.public_id])).context["form"]
    text = form.initial["frames_text"]
    response = client.post(
        reverse("gallery:studio_edit", args=[artwork.public_id]),
        editor_data(prompt="renamed", frames_text=text, width="1", height="2"),
    )
    assert response.status_code == 302
    artwork.refresh_from_db()
    assert artwork.prompt == "renamed"
    assert artwork.frames == ["a\nb", "c\nd"]


def test_renaming_keeps_the_canvas_size_speed_and_style(client, owner):
    # A 40x10 canvas holding 1x1 content: renaming it must not shrink it.
    artwork = make_artwork(owner, frames=["x"], width=40, height=10, fps=24, style="neon")
    client.force_login(owner)
    url = reverse("gallery:studio_edit", args=[artwork.public_id])
    page = client.get(url)
    data = form_data(page.content.decode(), action_contains=url)
    assert (data["width"], data["height"], data["fps"], data["style"]) == (
        ["40"],
        ["10"],
        ["24"],
        ["neon"],
    )
    data["prompt"] = ["renamed"]
    response = client.post(url, data)
    assert response.status_code == 302
    artwork.refresh_from_db()
    assert artwork.prompt == "renamed"
    assert (artwork.width, artwork.height, artwork.fps, artwork.style) == (40, 10, 24, "neon")
    assert artwork.frames == ["x"]


def test_an_edit_with_the_size_left_empty_keeps_it_or_grows_it_to_fit(client, owner):
    artwork = make_artwork(owner, frames=["x"], width=40, height=10)
    client.force_login(owner)
    url = reverse("gallery:studio_edit", args=[artwork.public_id])
    client.post(url, editor_data(frames_text="y", width="", height=""))
    artwork.refresh_from_db()
    assert (artwork.width, artwork.height, artwork.frames) == (40, 10, ["y"])
    client.post(url, editor_data(frames_text="\n".join(["#" * 50] * 12), width="", height=""))
    artwork.refresh_from_db()
    assert (artwork.width, artwork.height) == (50, 12)


def test_a_failed_edit_changes_nothing(client, owner):
    artwork = make_artwork(owner, prompt="original")
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_edit", args=[artwork.public_id]),
        editor_data(prompt="changed", fps="99"),
    )
    assert response.status_code == 400
    artwork.refresh_from_db()
    assert artwork.prompt == "original" and artwork.fps == 8


# --- Visibility and delete ------------------------------------------------------------


def test_change_visibility_from_the_studio(client, owner):
    artwork = make_artwork(owner, featured=True)
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_visibility", args=[artwork.public_id]),
        {"visibility": "private", "next": "/studio/?visibility=public"},
    )
    assert response["Location"] == "/studio/?visibility=public"
    artwork.refresh_from_db()
    assert artwork.visibility == "private" and not artwork.featured


def test_visibility_redirects_never_leave_the_site(client, owner):
    artwork = make_artwork(owner)
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_visibility", args=[artwork.public_id]),
        {"visibility": "unlisted", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/studio/"


def test_a_bad_visibility_changes_nothing(client, owner):
    artwork = make_artwork(owner)
    client.force_login(owner)
    client.post(
        reverse("gallery:studio_visibility", args=[artwork.public_id]), {"visibility": "friends"}
    )
    artwork.refresh_from_db()
    assert artwork.visibility == "public"


@pytest.mark.django_db(transaction=True)
def test_delete_removes_everything_hanging_off_the_artwork(client, s3, owner, other_user):
    from django.core.files.base import ContentFile

    from gallery.models import ArtworkEmbedding, File
    from tests.test_storage import bucket_keys, png_bytes

    artwork = make_artwork(owner)
    make_share(artwork)
    Like.objects.create(user=other_user, artwork=artwork)
    ArtworkEmbedding.objects.create(artwork=artwork, embedding=[0.0] * 1536, model="m")
    collection = make_collection(owner, artworks=[artwork])
    upload = File(owner=owner, artwork=artwork, file=ContentFile(png_bytes(), name="a.png"))
    upload.full_clean()
    upload.save()
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_delete", args=[artwork.public_id])).text
    assert "1 share link" in page and "Delete artwork" in page
    response = client.post(reverse("gallery:studio_delete", args=[artwork.public_id]))
    assert response.status_code == 302
    assert not Artwork.objects.filter(pk=artwork.pk).exists()
    for model in (Share, Like, ArtworkEmbedding, CollectionItem, File):
        assert not model.objects.exists(), model.__name__
    assert Collection.objects.filter(pk=collection.pk).exists()  # the collection stays
    assert upload.file.name not in bucket_keys(s3)


# --- Remix ----------------------------------------------------------------------------


def test_remix_starts_from_the_source_and_links_back(client, owner, other_user):
    source = make_artwork(owner, prompt="original spinner", frames=["|", "/", "-"], width=1)
    client.force_login(other_user)
    form = client.get(reverse("gallery:remix", args=[source.public_id])).context["form"]
    assert form.initial["remix_of"] == source.public_id
    data = editor_data(
        prompt="my spinner",
        frames_text=form.initial["frames_text"],
        remix_of=source.public_id,
        generator="remix",
    )
    response = client.post(reverse("gallery:studio_new"), data)
    assert response.status_code == 302
    remix = Artwork.objects.get(prompt="my spinner")
    assert remix.remixed_from == source and remix.frames == ["|", "/", "-"]
    assert "original spinner" in client.get(remix.get_absolute_url()).text
    assert "my spinner" in client.get(source.get_absolute_url()).text  # listed on the source


def test_a_private_source_is_never_linked_for_others(client, owner, other_user):
    source = make_artwork(owner, prompt="secret original", visibility="private")
    remix = make_artwork(owner, prompt="public remix", remixed_from=source)
    client.force_login(other_user)
    page = client.get(remix.get_absolute_url()).text
    assert "secret original" not in page and source.public_id not in page
    assert "Remix of an artwork that is not public" in page
    client.force_login(owner)
    assert "secret original" in client.get(remix.get_absolute_url()).text


def test_remixing_what_you_cannot_see_is_404(client, owner, other_user):
    private = make_artwork(owner, visibility="private")
    client.force_login(other_user)
    assert client.get(reverse("gallery:remix", args=[private.public_id])).status_code == 404
    response = client.post(reverse("gallery:studio_new"), editor_data(remix_of=private.public_id))
    assert response.status_code == 400
    assert not Artwork.objects.filter(owner=other_user).exists()


# --- Collections ----------------------------------------------------------------------


def test_create_rename_and_delete_a_collection(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_collections"),
        {"name": "Night", "description": "Dark scenes", "visibility": "private"},
    )
    collection = Collection.objects.get(owner=owner)
    assert response["Location"] == reverse("gallery:studio_collection", args=[collection.public_id])
    client.post(
        reverse("gallery:studio_collection", args=[collection.public_id]),
        {"name": "Nights", "description": "", "visibility": "public"},
    )
    collection.refresh_from_db()
    assert (collection.name, collection.visibility) == ("Nights", "public")
    client.post(reverse("gallery:studio_collection_delete", args=[collection.public_id]))
    assert not Collection.objects.exists()


def test_a_collection_can_be_made_unlisted(client, owner):
    client.force_login(owner)
    page = client.get(reverse("gallery:studio_collections"))
    assert page.status_code == 200
    offered = re.findall(r'type="radio" name="visibility" value="(\w+)"', page.text)
    assert offered == ["public", "unlisted", "private"]
    client.post(
        reverse("gallery:studio_collections"),
        {"name": "Sketches", "description": "", "visibility": "unlisted"},
    )
    assert Collection.objects.get(owner=owner).visibility == "unlisted"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "visibility": "public"}, "This field is required"),
        ({"name": "  ", "visibility": "public"}, "required"),
        ({"name": "x" * 121, "visibility": "public"}, "at most 120 characters"),
        ({"name": "ok", "visibility": "secret"}, "Select a valid choice"),
    ],
)
def test_bad_collections_are_form_errors(client, owner, data, message):
    client.force_login(owner)
    response = client.post(reverse("gallery:studio_collections"), {"description": "", **data})
    assert response.status_code == 400
    assert message in response.text
    assert not Collection.objects.exists()


def test_add_from_an_artwork_page_remove_and_reorder(client, owner, other_user):
    collection = make_collection(owner, name="Mixed")
    mine = [make_artwork(owner, prompt=f"mine {n}") for n in range(3)]
    theirs = make_artwork(other_user, prompt="theirs, public")
    client.force_login(owner)
    assert "Add to collection" in client.get(theirs.get_absolute_url()).text
    for artwork in [*mine, theirs]:
        response = client.post(
            reverse("gallery:studio_collection_add"),
            {"collection": collection.public_id, "artwork": artwork.public_id,
             "next": artwork.get_absolute_url()},
        )  # fmt: skip
        assert response["Location"] == artwork.get_absolute_url()
    order = lambda: [i.artwork.prompt for i in collection.items.order_by("position")]  # noqa: E731
    assert order() == ["mine 0", "mine 1", "mine 2", "theirs, public"]

    last = collection.items.get(artwork=theirs)
    client.post(
        reverse("gallery:studio_collection_move", args=[collection.public_id, last.pk]),
        {"direction": "up"},
    )
    assert order() == ["mine 0", "mine 1", "theirs, public", "mine 2"]
    first = collection.items.get(artwork=mine[0])
    client.post(
        reverse("gallery:studio_collection_move", args=[collection.public_id, first.pk]),
        {"direction": "up"},  # already first: nothing moves
    )
    client.post(
        reverse("gallery:studio_collection_move", args=[collection.public_id, first.pk]),
        {"direction": "down"},
    )
    assert order() == ["mine 1", "mine 0", "theirs, public", "mine 2"]
    bad = client.post(
        reverse("gallery:studio_collection_move", args=[collection.public_id, first.pk]),
        {"direction": "sideways"},
    )
    assert bad.status_code == 400
    client.post(reverse("gallery:studio_collection_remove", args=[collection.public_id, first.pk]))
    assert order() == ["mine 1", "theirs, public", "mine 2"]
    public_page = client.get(collection.get_absolute_url()).text
    assert public_page.index("mine 1") < public_page.index("theirs, public")


def test_move_an_item_to_a_place_in_one_step(client, owner):
    collection = make_collection(owner, artworks=[make_artwork(owner, prompt=p) for p in "abcde"])
    collection.items.get(artwork__prompt="b").delete()  # a removal leaves a gap
    order = lambda: [i.artwork.prompt for i in collection.items.order_by("position")]  # noqa: E731
    url = lambda prompt: reverse(  # noqa: E731
        "gallery:studio_collection_move",
        args=[collection.public_id, collection.items.get(artwork__prompt=prompt).pk],
    )
    client.force_login(owner)
    response = client.post(url("e"), {"position": "1"})
    item = collection.items.get(artwork__prompt="e")
    assert response["Location"] == (
        reverse("gallery:studio_collection", args=[collection.public_id]) + f"#item-{item.pk}"
    )
    assert order() == ["e", "a", "c", "d"]
    # The positions are dense again, and stay so.
    assert list(collection.items.values_list("position", flat=True)) == [0, 1, 2, 3]
    client.post(url("e"), {"position": "3"})
    assert order() == ["a", "c", "e", "d"]
    client.post(url("d"), {"position": " 4 "})  # where it is already: nothing moves
    client.post(url("a"), {"direction": "down"})  # one place still works
    assert order() == ["c", "a", "e", "d"]
    assert list(collection.items.values_list("position", flat=True)) == [0, 1, 2, 3]

    for bad in ("0", "5", "-1", "two", "", "1.5", "9" * 5000):
        response = client.post(url("a"), {"position": bad})
        assert response.status_code == 400, bad
        assert response.text == "position must be a whole number from 1 to 4"
    assert order() == ["c", "a", "e", "d"]


def test_moving_needs_ones_own_collection(client, owner, other_user):
    collection = make_collection(owner, artworks=[make_artwork(owner) for _ in range(3)])
    last = collection.items.order_by("position").last()
    move = reverse("gallery:studio_collection_move", args=[collection.public_id, last.pk])
    client.force_login(other_user)
    assert client.post(move, {"position": "1"}).status_code == 404
    assert collection.items.order_by("position").last() == last


def test_the_collection_editor_shows_posters_without_reading_the_frames(client, owner, other_user):
    mine = make_artwork(owner, prompt="a harbour", frames=["<~>", "~<>"], width=3, height=1)
    theirs = make_artwork(other_user, prompt="someone else's boat", frames=["|b|"], width=3)
    collection = make_collection(owner, artworks=[mine, theirs, make_artwork(owner)])
    theirs.visibility = "private"
    theirs.save()
    client.force_login(owner)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("gallery:studio_collection", args=[collection.public_id]))
    assert response.status_code == 200
    page = response.text
    assert '<h2 id="items-heading">Artworks, in order</h2>' in page
    assert '<pre class="card-art" style="--cols: 3; --rows: 1">&lt;~&gt;</pre>' in page
    assert not any('"gallery_artwork"."frames"' in query["sql"] for query in captured)
    # No longer available: a nameless placeholder, neither its words nor its picture.
    assert "An artwork that is no longer available" in page
    assert "someone else" not in page and "|b|" not in page and theirs.public_id not in page
    # Each item may be sent to a place from 1 to 3, without JavaScript.
    places = re.findall(r'name="position" min="1" max="(\d+)" value="(\d+)"', page)
    assert places == [("3", "1"), ("3", "2"), ("3", "3")]


def test_someone_elses_unlisted_artwork_cannot_be_collected(client, owner, other_user):
    collection = make_collection(owner)
    unlisted = make_artwork(other_user, visibility="unlisted")
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_collection_add"),
        {"collection": collection.public_id, "artwork": unlisted.public_id},
        follow=True,
    )
    assert "Only public artworks, or your own" in response.text
    assert not collection.items.exists()


def test_a_second_user_sees_the_studio_empty(client, owner):
    make_artwork(owner)
    client.force_login(make_user())
    assert "You have no artworks yet" in client.get("/studio/").text


# --- Generation through the studio ------------------------------------------------------


def test_generate_answers_at_once_with_a_progress_page_then_opens_the_editor(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_generate"),
        generate_data(prompt="snow in the mountains", frame_count=12, seed=7),
    )
    attempt = Generation.objects.get()
    assert attempt.status == "queued" and attempt.request["frame_count"] == 12
    progress_url = reverse("gallery:studio_generation", args=[attempt.pk])
    assert response.status_code == 302 and response["Location"] == progress_url

    page = client.get(progress_url)
    assert page.status_code == 200
    assert "<title>Generation queued" in page.text
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page.text
    assert "js/generation.js" in page.text
    status_url = reverse("gallery:studio_generation_status", args=[attempt.pk])
    assert f'data-generation-status="{status_url}"' in page.text
    assert client.get(status_url).json() == {
        "status": "queued",
        "label": "Queued",
        "error": "",
        "editor_url": None,
    }

    run_generation(attempt.pk)  # what the job does, here in the test's process

    editor_url = reverse("gallery:studio_new") + f"?generation={attempt.pk}"
    assert client.get(status_url).json()["editor_url"] == editor_url
    # Done: the progress page (a reload, or the no-JavaScript refresh) opens the editor.
    done = client.get(progress_url)
    assert done.status_code == 302 and done["Location"] == editor_url
    editor = client.get(editor_url)
    form = editor.context["form"]
    frames = form.initial["frames_text"].split(SEP)
    assert len(frames) == 12
    assert all(len(line) == 60 for frame in frames for line in frame.split("\n"))
    assert form.initial["generator"] == "procedural"
    assert form.initial["model"].startswith("procedural/")
    assert not Artwork.objects.exists()  # nothing saved until the creator saves
    log = client.get(reverse("gallery:studio_generations")).text
    assert "snow in the mountains" in log and "Done" in log
    assert "Open in editor" in log
    assert Generation.objects.count() == 1  # opening the editor again generates nothing


def test_a_generation_and_its_status_open_only_for_its_owner(client, owner, other_user):
    client.force_login(owner)
    client.post(reverse("gallery:studio_generate"), generate_data(prompt="campfire"))
    attempt = Generation.objects.get()
    run_generation(attempt.pk)
    urls = [
        reverse("gallery:studio_generation", args=[attempt.pk]),
        reverse("gallery:studio_generation_status", args=[attempt.pk]),
        reverse("gallery:studio_new") + f"?generation={attempt.pk}",
    ]
    assert [client.get(url).status_code for url in urls] == [302, 200, 200]
    client.force_login(other_user)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert client.get(reverse("gallery:studio_new") + "?generation=abc").status_code == 404
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/")


def test_a_failed_generation_shows_why_on_its_page_and_in_the_studio(client, owner, settings):
    settings.AI_SERVER_KEYS = {}
    client.force_login(owner)
    client.post(reverse("gallery:studio_generate"), generate_data(prompt="a starry sky"))
    attempt = Generation.objects.get()
    # The creator's key is gone by the time a worker runs it: a failure to show.
    Generation.objects.filter(pk=attempt.pk).update(provider="openai", model="gpt-4o-mini")
    run_generation(attempt.pk)
    message = "No API key for OpenAI: add one in Settings → API keys."
    page = client.get(reverse("gallery:studio_generation", args=[attempt.pk]))
    assert page.status_code == 200
    assert "<h1>Generation failed</h1>" in page.text and message in page.text
    assert "http-equiv" not in page.text and "generation.js" not in page.text  # finished
    studio = client.get(reverse("gallery:studio"))
    assert studio.status_code == 200 and "Recent generations" in studio.text
    assert message in studio.text
    assert reverse("gallery:studio_generation", args=[attempt.pk]) in studio.text


def test_the_studio_links_a_finished_generation_to_the_editor(client, owner):
    client.force_login(owner)
    client.post(reverse("gallery:studio_generate"), generate_data(prompt="a lighthouse"))
    attempt = Generation.objects.get()
    run_generation(attempt.pk)
    studio = client.get(reverse("gallery:studio"))
    assert "Recent generations" in studio.text
    assert reverse("gallery:studio_new") + f"?generation={attempt.pk}" in studio.text


def test_generation_errors_are_form_errors(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_generate"),
        generate_data(preset="standard", frame_count=12, provider="openrouter"),
    )
    assert response.status_code == 400
    # Without a key, OpenRouter is not even offered.
    assert "That generator is not available to you" in response.text


def test_generation_rate_limit_is_explained(client, owner, settings):
    settings.GENERATION_RATE_LIMIT = 1
    client.force_login(owner)
    data = generate_data()
    assert client.post(reverse("gallery:studio_generate"), data).status_code == 302
    response = client.post(reverse("gallery:studio_generate"), data)
    assert response.status_code == 400
    assert "try again in" in response.text


def test_ai_providers_are_limited_to_fewer_frames(client, owner):
    with_openrouter_key(owner)
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_generate"),
        generate_data(frame_count=60, provider="openrouter", model="openai/gpt-4o-mini"),
    )
    assert response.status_code == 400
    assert "up to 24 frames" in response.text
    assert not Generation.objects.exists()


def test_an_ai_provider_needs_a_model(client, owner):
    with_openrouter_key(owner)
    client.force_login(owner)
    response = client.post(
        reverse("gallery:studio_generate"),
        generate_data(frame_count=12, provider="openrouter"),
    )
    assert response.status_code == 400
    assert "Choose a model for the AI provider" in response.text
    assert not Generation.objects.exists()


def test_a_studio_row_leads_with_edit_and_view_and_counts_in_words(client, owner):
    artwork = make_artwork(owner, prompt="one quiet view")
    Artwork.objects.filter(pk=artwork.pk).update(views_count=1)
    make_collection(owner, name="Shelf")
    client.force_login(owner)
    page = client.get(reverse("gallery:studio")).text
    row = page[page.index("one quiet view") :]
    row = row[: row.index("</li>")]
    actions = re.findall(r'<a class="button[^"]*" href="[^"]*">(\w+)</a>', row)
    assert actions == ["Edit", "View"]
    assert "<summary" in row and "More" in row  # the rest, in one menu
    assert "1 view ·" in row and "1 views" not in row


def test_adding_an_artwork_twice_says_it_is_already_there(client, owner):
    artwork = make_artwork(owner)
    shelf = make_collection(owner, name="Shelf")
    client.force_login(owner)
    add = {"collection": shelf.public_id, "artwork": artwork.public_id}
    first = client.post(reverse("gallery:studio_collection_add"), add, follow=True)
    assert "Added to “Shelf”." in first.text
    again = client.post(reverse("gallery:studio_collection_add"), add, follow=True)
    assert "Already in “Shelf”: nothing was added." in again.text
    assert shelf.items.count() == 1
