"""No input answers 500: generated values for every path argument, GET parameter and
form field of every URL of ours, sent by an anonymous visitor and by the signed-in
creator who owns the objects they name.

The routes come from the URL resolver, so a new route is fuzzed as soon as it exists
(and this test fails until its path arguments and GET parameters are described
below). Form fields are read from the pages themselves: every <form> on every page as
the creator sees it, with the values it offers, so a new field is fuzzed too. Each
example runs in a savepoint that is rolled back, so a POST that deletes something
leaves it in place for the next one.

`make test` runs a few derandomised examples per route (the `small` Hypothesis profile);
`make fuzz` runs hundreds of new ones (`fuzz`, see tests/hypothesis_profiles.py).
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ApiKey, User
from gallery import exports, uploads
from gallery.conversion import CHARSETS
from gallery.frames import frames_version
from gallery.models import Generation, Like, Visibility
from gallery.sitemaps import SECTIONS as SITEMAP_SECTIONS
from gallery.views import TABS
from tests import factories, images
from tests.conftest import s3_settings

pytestmark = [pytest.mark.django_db, pytest.mark.storage, pytest.mark.fuzz]

OUR_NAMESPACES = {"gallery", "accounts", "moderation"}
OUR_TOP_LEVEL_ROUTES = {"healthz"}
# The cast is made once per module (each example rolls its changes back), and pages
# take what they take on a busy machine.
FUZZ_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def our_routes() -> dict[str, dict]:
    """Route name -> the converters of its path arguments, for every route of ours."""
    routes = {}

    def walk(patterns, namespace, converters):
        for entry in patterns:
            found = {**converters, **entry.pattern.converters}
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace, found)
            elif isinstance(entry, URLPattern) and entry.name:
                if namespace in OUR_NAMESPACES:
                    routes[f"{namespace}:{entry.name}"] = found
                elif namespace is None and entry.name in OUR_TOP_LEVEL_ROUTES:
                    routes[entry.name] = found

    walk(get_resolver().url_patterns, None, {})
    return dict(sorted(routes.items()))


ROUTES = our_routes()

CONVERSION_PARAMS = ["width", "charset", "brightness", "contrast", "invert", "dither", "edges"]

# The GET parameters each view reads (forms with method="get" add theirs). A new route
# must be listed here, even with none, so that whoever adds it decides.
GET_PARAMS = {
    "healthz": [],
    "accounts:settings": [],
    "accounts:profile_update": [],
    "accounts:api_keys": [],
    "accounts:api_key_delete": [],
    "accounts:archive": [],
    "accounts:archive_build": [],
    "accounts:archive_download": [],
    "accounts:delete": [],
    "accounts:profile": ["page"],
    "gallery:home": ["q", "tab", "page", "similar"],
    "gallery:artwork": [],
    "gallery:artwork_frames": ["v"],
    "gallery:like": [],
    "gallery:artwork_embed": ["autoplay", "loop", "theme", "speed", "t", "controls"],
    "gallery:remix": [],
    "gallery:export": ["theme", "v", "download"],
    "gallery:collection": [],
    "gallery:share": [],
    "gallery:share_embed": ["autoplay", "loop", "theme", "speed", "t", "controls"],
    "gallery:oembed": ["url", "maxwidth", "maxheight", "format"],
    "gallery:feed": [],
    "gallery:profile_feed": [],
    "gallery:sitemap": [],
    "gallery:sitemap_section": ["p"],
    "gallery:robots": [],
    "gallery:studio": ["visibility", "q", "page"],
    "gallery:studio_new": ["generation"],
    "gallery:studio_generate": [],
    "gallery:studio_generations": ["page"],
    "gallery:studio_generation": [],
    "gallery:studio_generation_status": [],
    "gallery:studio_edit": [],
    "gallery:studio_delete": [],
    "gallery:studio_visibility": [],
    "gallery:studio_shares": [],
    "gallery:studio_share_revoke": [],
    "gallery:studio_collections": [],
    "gallery:studio_collection_add": [],
    "gallery:studio_collection": [],
    "gallery:studio_collection_delete": [],
    "gallery:studio_collection_remove": [],
    "gallery:studio_collection_move": [],
    "gallery:studio_files": ["page"],
    "gallery:studio_file": CONVERSION_PARAMS,
    "gallery:studio_file_preview": CONVERSION_PARAMS,
    "gallery:studio_file_download": [],
    "gallery:studio_file_thumbnail": [],
    "gallery:studio_file_delete": [],
    "moderation:report_artwork": [],
    "moderation:report_collection": [],
}
# Read by every view that sends a visitor on (login redirects, allauth).
COMMON_GET_PARAMS = ["next"]

ARTWORK_ROUTES = {
    "gallery:artwork",
    "gallery:artwork_frames",
    "gallery:like",
    "gallery:artwork_embed",
    "gallery:remix",
    "gallery:export",
    "gallery:studio_edit",
    "gallery:studio_delete",
    "gallery:studio_visibility",
    "gallery:studio_shares",
    "moderation:report_artwork",
}
COLLECTION_ROUTES = {
    "gallery:collection",
    "gallery:studio_collection",
    "gallery:studio_collection_delete",
    "gallery:studio_collection_remove",
    "gallery:studio_collection_move",
    "moderation:report_collection",
}


# --- The objects the routes name ------------------------------------------------------


@dataclass
class FormField:
    file: bool = False
    offered: list[str] = field(default_factory=list)


@dataclass(repr=False)
class World:
    creator: User
    other: User
    superuser: User
    artworks: list = field(default_factory=list)
    collections: list = field(default_factory=list)
    items: list = field(default_factory=list)
    shares: list = field(default_factory=list)
    generations: list = field(default_factory=list)
    api_keys: list = field(default_factory=list)
    files: list = field(default_factory=list)
    # Found on the pages (read_forms): route -> field name -> FormField.
    post_forms: dict | None = None
    get_forms: dict | None = None

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text("World(...)")  # a failure shows the drawn values, not the whole cast

    def path_values(self, route: str, argument: str) -> list:
        """Real values for a path argument: the creator's objects and someone else's."""
        if argument == "public_id" and route in ARTWORK_ROUTES:
            return [artwork.public_id for artwork in self.artworks]
        if argument == "public_id" and route in COLLECTION_ROUTES:
            return [collection.public_id for collection in self.collections]
        if (route, argument) == ("gallery:studio_share_revoke", "pk"):
            return [share.pk for share in self.shares]
        if (route, argument) == ("accounts:api_key_delete", "pk"):
            return [api_key.pk for api_key in self.api_keys]
        if route in ("gallery:studio_generation", "gallery:studio_generation_status"):
            return [generation.pk for generation in self.generations]
        if route.startswith("gallery:studio_file") and argument == "pk":
            return [file.pk for file in self.files]
        by_name = {
            "code": [share.code for share in self.shares],
            "item_id": [item.pk for item in self.items],
            "username": [
                self.creator.username,
                self.creator.username.upper(),
                self.other.username,
                self.superuser.username,
            ],
            "fmt": sorted(exports.FORMATS),
            "section": sorted(SITEMAP_SECTIONS),
            # Nobody's archive (well-formed, and not): both 404.
            "filename": [f"20200101T000000Z-{'a' * 22}.zip", "x.zip"],
        }
        if argument in by_name:
            return by_name[argument]
        pytest.fail(f"{route}: nothing says what its path argument {argument!r} names.")

    def get_values(self) -> dict[str, list[str]]:
        """Values that mean something to a GET parameter, to get past its first check."""
        return {
            "q": ["comet", '"tiny comet" OR -rain', "a"],
            "tab": list(TABS),
            "page": ["1", "2", "last"],
            "visibility": list(Visibility.values),
            "theme": sorted(exports.THEMES),
            "autoplay": ["0", "1"],
            "loop": ["0", "1"],
            "v": [
                *(exports.export_version(artwork)[:8] for artwork in self.artworks),
                *(frames_version(artwork) for artwork in self.artworks),
            ],
            "download": ["1"],
            "speed": ["2", "0.25", "3"],
            "t": ["1.5", "-1", "nan", "1e9"],
            "controls": ["0", "1"],
            "url": [f"http://testserver{artwork.get_absolute_url()}" for artwork in self.artworks],
            "maxwidth": ["300", "1"],
            "maxheight": ["200", "1"],
            "format": ["json"],
            "p": ["1", "2", "0"],
            "generation": [str(generation.pk) for generation in self.generations],
            "width": ["80", "1", "300"],
            "charset": sorted(CHARSETS),
            "brightness": ["0", "-100", "100"],
            "contrast": ["0", "-100", "100"],
            "similar": ["1", "0"],
            "invert": ["on"],
            "dither": ["on"],
            "edges": ["on"],
            "next": ["/", "/studio/", "https://elsewhere.example/", "//elsewhere.example"],
        }


def build_world() -> World:
    creator = factories.make_user(email="creator@fuzz.example", username="fuzz_creator")
    other = factories.make_user(email="other@fuzz.example", username="fuzz_other")
    superuser = factories.make_user(
        email="root@fuzz.example", username="fuzz_root", is_staff=True, is_superuser=True
    )
    world = World(creator=creator, other=other, superuser=superuser)
    for owner in (creator, other):
        own = [
            factories.make_artwork(
                owner, prompt=f"a tiny comet, {visibility}", visibility=visibility
            )
            for visibility in Visibility.values
        ]
        world.artworks += own
        public = own[0]
        collection = factories.make_collection(owner, artworks=own, name=f"{owner} best")
        world.collections.append(collection)
        world.items += list(collection.items.all())
        now = timezone.now()
        world.shares += [
            factories.make_share(own[2]),
            factories.make_share(public, max_views=1, view_count=1),
            factories.make_share(public, expires_at=now - timedelta(days=1)),
            factories.make_share(own[1], revoked_at=now),
        ]
        world.generations.append(
            Generation.objects.create(
                user=owner,
                prompt="rain",
                provider="procedural",
                model="procedural",
                status="done",
                duration_ms=3,
                result={"frames": ["..", "::"], "width": 2, "height": 1, "fps": 4, "style": ""},
            )
        )
        world.api_keys.append(
            ApiKey.objects.create(
                user=owner, name="mine", provider="openrouter", key="sk-or-fuzz-0000"
            )
        )
    # Someone else's public artwork in the creator's collection, liked by the creator.
    world.collections[0].append(world.artworks[3])
    world.items.append(world.collections[0].items.get(artwork=world.artworks[3]))
    Like.objects.create(user=creator, artwork=world.artworks[3])
    return world


# --- Reading the forms off the pages --------------------------------------------------


class FormReader(HTMLParser):
    """The forms of a page: action, method and the fields with the values they offer."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            name = attrs["name"]
            found = self._form["fields"].setdefault(name, FormField())
            found.file = found.file or attrs.get("type") == "file"
            if attrs.get("value") is not None and attrs.get("type") != "file":
                found.offered.append(attrs["value"])
            self._select = name if tag == "select" else None
            if tag == "textarea":
                self._textarea = name
                found.offered.append("")
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self._form["fields"][self._select].offered.append(attrs["value"])

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea].offered[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            # A browser drops the newline that follows <textarea>.
            offered = self._form["fields"][self._textarea].offered
            offered[-1] = offered[-1].removeprefix("\n")
            self._textarea = None


def route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name if match.view_name in ROUTES else None


def read_forms(world: World) -> None:
    """GET every route with every (capped) combination of real path arguments, as the
    creator, and note each form's fields under the route it submits to."""
    client = Client()
    factories.sign_in_and_reauthenticate(client, world.creator)
    found_forms = {"post": {}, "get": {}}
    post_only = set()
    for route, converters in ROUTES.items():
        choices = [world.path_values(route, argument) for argument in converters]
        for values in itertools.islice(itertools.product(*choices), 24):
            url = reverse(route, kwargs=dict(zip(converters, values, strict=True)))
            with transaction.atomic():
                response = client.get(url)
                transaction.set_rollback(True)
            if response.status_code == 405:
                post_only.add(route)
            if "html" not in response.get("Content-Type", ""):
                continue
            reader = FormReader()
            reader.feed(response.content.decode())
            for form in reader.forms:
                target = route_name(urlsplit(urljoin(url, form["action"] or url)).path)
                if target is None:
                    continue  # allauth's, the admin's
                forms = found_forms["post" if form["method"] == "post" else "get"]
                fields = forms.setdefault(target, {})
                for name, found in form["fields"].items():
                    known = fields.setdefault(name, FormField())
                    known.file = known.file or found.file
                    known.offered = sorted({*known.offered, *found.offered})
    missing = sorted(post_only - set(found_forms["post"]))
    assert not missing, f"No page has a form that posts to {missing}: nothing to fuzz them with."
    world.post_forms, world.get_forms = found_forms["post"], found_forms["get"]


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker, s3_server):
    """The objects every route can name, made once for this module in a transaction
    that is rolled back at its end (as TestCase.setUpTestData does); each test, and
    each example in it, runs in a savepoint inside it. The uploads' objects are
    removed from the bucket at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        with s3_settings(s3_server):
            for owner in (world.creator, world.other):
                world.files += [
                    uploads.store_upload(owner, SimpleUploadedFile("still.png", images.still())),
                    uploads.store_upload(
                        owner, SimpleUploadedFile("ball.gif", images.animation(3))
                    ),
                ]
        yield world
        transaction.set_rollback(True)
        with s3_settings(s3_server):
            for file in world.files:
                file.file.storage.delete(file.file.name)


@pytest.fixture
def world(cast):
    """The cast, with the forms read off the pages by the first test that needs them
    (in a test, where file storage is set up: some of the pages are exports)."""
    if cast.post_forms is None:
        read_forms(cast)
    return cast


# A generation with the creator's key must not reach out to a real AI provider.
SAFE_SETTINGS = {
    "AI_BASE_URLS": dict.fromkeys(
        ["openrouter", "openai", "anthropic", "google"], "http://127.0.0.1:9/v1"
    ),
    "AI_SERVER_KEYS": {},
    "AI_TIMEOUT_SECONDS": 2,
}


@pytest.fixture(autouse=True)
def _safe_settings(settings):
    for name, value in SAFE_SETTINGS.items():
        setattr(settings, name, value)


# --- What to send --------------------------------------------------------------------

NO_NUL = st.characters(codec="utf-8", exclude_characters="\x00")
AWKWARD = [
    *["", " ", "0", "00", "-0", "-1", "+1", "1.5", "1e5", "NaN", "inf", "true", "null"],
    *["²", "١٢", "１２", "Ⅻ", "½"],  # digits that int() refuses, or reads
    *["9" * 19, "9" * 400, "-" + "9" * 400, "9" * 5000],  # past int64, past int()'s limit
    *["[]", "{}", "%00", "../", "/", "//", "\\", "' OR 1=1 --", "<script>alert(1)</script>"],
    *["\u202e", "\ufeff", "\t\r\n", "\x1b[31m", "\x7f"],
]
JUNK = st.one_of(
    st.sampled_from(AWKWARD),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(NO_NUL, max_size=30),
    st.text(st.characters(categories=["Nd", "Nl", "No"]), min_size=1, max_size=6),
    # Very long: a repeated character (cheap to make, costly to mishandle).
    st.builds(
        lambda char, count: char * count,
        st.sampled_from("a9é\n💥"),
        st.integers(min_value=1000, max_value=200_000),
    ),
)


def value_for(offered: list[str]) -> st.SearchStrategy:
    """One value, or several for the same name, each a meaningful one or junk."""
    one = st.one_of(st.sampled_from(offered), JUNK) if offered else JUNK
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


def path_kwargs(world: World, route: str) -> st.SearchStrategy:
    arguments = {}
    for argument, converter in ROUTES[route].items():
        if isinstance(converter, IntConverter):
            junk = st.integers(min_value=0, max_value=10**40)
        else:
            junk = st.from_regex(converter.regex, fullmatch=True, alphabet=NO_NUL)
        arguments[argument] = st.one_of(st.sampled_from(world.path_values(route, argument)), junk)
    return st.fixed_dictionaries(arguments)


def get_params(world: World, route: str) -> st.SearchStrategy:
    names = {*GET_PARAMS[route], *COMMON_GET_PARAMS, *world.get_forms.get(route, {})}
    offered = world.get_values()
    for name, found in world.get_forms.get(route, {}).items():
        offered[name] = sorted({*offered.get(name, []), *found.offered})
    return st.fixed_dictionaries(
        {}, optional={name: value_for(offered.get(name, [])) for name in sorted(names)}
    )


def upload() -> st.SearchStrategy:
    content = st.one_of(
        st.binary(max_size=2000),
        st.lists(st.text(NO_NUL, max_size=40), max_size=5).map(lambda v: json.dumps(v).encode()),
        st.text(NO_NUL, max_size=300).map(str.encode),
    )
    names = st.one_of(st.sampled_from(["frames.txt", "frames.json", "a.png", "frames"]), JUNK)
    # Names the client can send at all (it sends the base name).
    names = names.map(lambda name: os.path.basename(name[:200])).filter(
        lambda name: name not in {"", ".", ".."}
    )
    return st.builds(SimpleUploadedFile, names, content)


@st.composite
def form_data(draw, fields: dict[str, FormField]) -> dict:
    """The form as the page offers it, with some fields junk and some left out
    (shrinking heads back to the offered form)."""
    names = sorted(fields)
    junk = draw(st.sets(st.sampled_from(names))) if names else set()
    absent = draw(st.sets(st.sampled_from(names))) if names else set()
    data = {}
    for name in names:
        found = fields[name]
        if name in absent:
            continue
        if found.file:
            if name in junk:
                data[name] = draw(upload())
        elif name in junk or not found.offered:
            data[name] = draw(value_for(found.offered))
        else:
            data[name] = draw(st.sampled_from(found.offered))
    return data


# --- The tests -------------------------------------------------------------------------


def test_every_route_says_which_get_parameters_it_reads():
    assert sorted(GET_PARAMS) == sorted(ROUTES), "Add the new route to GET_PARAMS."


def send(world: World, role: str, method: str, url: str, **kwargs):
    """One request in a savepoint that is rolled back, by a new client of the role (a
    POST may log out, or delete the account)."""
    with transaction.atomic():
        client = Client()
        if role == "creator":
            factories.sign_in_and_reauthenticate(client, world.creator)
        elif role == "superuser":
            client.force_login(world.superuser)
        response = getattr(client, method)(url, **kwargs)
        transaction.set_rollback(True)
    assert response.status_code != 500, f"{method.upper()} {url} answered 500"
    return response


ROLES = ["anonymous", "creator"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(ROUTES))
@FUZZ_SETTINGS
@given(data=st.data())
def test_get_never_answers_500(world, route, role, data):
    url = reverse(route, kwargs=data.draw(path_kwargs(world, route), label="path"))
    send(world, role, "get", url, data=data.draw(get_params(world, route), label="GET"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(ROUTES))
@FUZZ_SETTINGS
@given(data=st.data())
def test_post_never_answers_500(world, route, role, data):
    url = reverse(route, kwargs=data.draw(path_kwargs(world, route), label="path"))
    fields = world.post_forms.get(route) or {"csrfmiddlewaretoken": FormField()}
    send(world, role, "post", url, data=data.draw(form_data(fields), label="POST"))


# --- The Django admin: a smoke list ---------------------------------------------------

ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


DATE_PARTS = ("year", "month", "day")


def changelist_params(model, superuser) -> dict[str, st.SearchStrategy]:
    """The changelist's own parameters and its filters', each with values that mean
    something to it or junk."""
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    changelist = model_admin.get_changelist_instance(request)
    offered = {"q": ["comet", ""], "o": ["1", "-1", "1.2", "99"], "p": ["1", "2"]}
    for spec in changelist.filter_specs:
        for name in spec.expected_parameters():
            offered.setdefault(name, [])
        for choice in spec.choices(changelist):
            for name, value in parse_qsl(choice["query_string"].lstrip("?")):
                offered.setdefault(name, []).append(value)
    params = {name: value_for(values) for name, values in offered.items()}
    if model_admin.date_hierarchy:
        for part in DATE_PARTS:
            params[f"{model_admin.date_hierarchy}__{part}"] = value_for(["2024", "1"])
    return dict(sorted(params.items()))


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
@FUZZ_SETTINGS
@given(data=st.data())
def test_admin_changelists_never_answer_500(world, model, data):
    params = st.fixed_dictionaries({}, optional=changelist_params(model, world.superuser))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    send(world, "superuser", "get", url, data=data.draw(params, label="GET"))


@pytest.mark.parametrize("changelist", ["gallery_artwork", "gallery_generation"])
@pytest.mark.parametrize("params", [{"year": "9999"}, {"year": "2024", "day": "2147483648"}])
def test_an_out_of_range_date_hierarchy_link_is_a_bad_lookup_not_a_500(
    admin_client_, changelist, params
):
    url = reverse(f"admin:{changelist}_changelist")
    response = admin_client_.get(url, {f"created_at__{part}": v for part, v in params.items()})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_admin_index_add_and_change_pages_open(world, model):
    client = Client()
    client.force_login(world.superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = world.superuser
    if model_admin.has_add_permission(request):
        assert client.get(reverse(f"{info}_add")).status_code == 200
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        response = client.get(reverse(f"{info}_change", args=[first.pk]))
        assert response.status_code == 200
    for junk in ("0", "9" * 30, "²", "x"):
        assert client.get(reverse(f"{info}_change", args=[junk])).status_code in (302, 404)
