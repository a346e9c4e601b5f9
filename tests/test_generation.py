"""Generating artworks: the procedural provider, remote chat-completions providers, the
rate limit and the Generation log.

Remote providers are tested against a real HTTP server on 127.0.0.1 that speaks the
chat-completions protocol and answers what each test scripts.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from accounts.models import ApiKey
from gallery.generation import (
    KEY_REFUSED,
    NOT_FRAMES,
    PROVIDER_RATE_LIMITED,
    TOO_SLOW,
    UNEXPECTED,
    UNREACHABLE,
    ChatCompletionsProvider,
    GenerationError,
    GenerationRequest,
    RateLimited,
    available_providers,
    banner_text,
    generate_artwork,
    parse_frames,
)
from gallery.models import Generation
from tests.chat_server import PLAN, USER_KEY, Reply, completion
from tests.servers import free_ports

pytestmark = pytest.mark.django_db

MODEL = "openai/gpt-4o-mini"


def make_request(prompt: str = "rain on the city", **fields) -> GenerationRequest:
    fields = {"width": 8, "height": 3, "fps": 10, "frame_count": 5, "seed": 1, **fields}
    return GenerationRequest(prompt=prompt, **fields)


def assert_shape(frames: list[str], width: int, height: int, frame_count: int) -> None:
    assert len(frames) == frame_count
    for frame in frames:
        lines = frame.split("\n")
        assert len(lines) == height
        assert all(len(line) == width for line in lines)


@pytest.fixture(autouse=True)
def _no_server_keys(settings):
    """Tests decide which server keys exist, whatever the environment running them has."""
    settings.AI_SERVER_KEYS = {}


@pytest.fixture
def openrouter_at_test_server(settings, chat_server):
    settings.AI_BASE_URLS = {**settings.AI_BASE_URLS, "openrouter": chat_server.base_url}
    return chat_server


# --- Procedural -----------------------------------------------------------------------


def test_procedural_same_prompt_and_seed_give_the_same_frames(owner):
    request = make_request("rain on the city", width=30, height=8, frame_count=12, seed=7)
    first = generate_artwork(owner, "procedural", "", request)
    second = generate_artwork(owner, "procedural", "", request)
    reseeded = make_request("rain on the city", width=30, height=8, frame_count=12, seed=8)
    other_seed = generate_artwork(owner, "procedural", "", reseeded)
    assert first.frames == second.frames
    assert other_seed.frames != first.frames


@pytest.mark.parametrize(
    ("width", "height", "frame_count"), [(1, 1, 2), (40, 12, 24), (300, 150, 2), (7, 30, 3)]
)
def test_procedural_frames_are_exactly_the_requested_size(owner, width, height, frame_count):
    request = make_request("campfire", width=width, height=height, frame_count=frame_count)
    result = generate_artwork(owner, "procedural", "", request)
    assert_shape(result.frames, width, height, frame_count)


def test_procedural_picks_distinct_scenes_for_distinct_prompts(owner):
    prompts = ["rain on the city", "snow in the mountains", "campfire", "matrix code"]
    models = [generate_artwork(owner, "procedural", "", make_request(p)).model for p in prompts]
    assert models == ["procedural/rain", "procedural/snow", "procedural/fire", "procedural/matrix"]


@pytest.mark.parametrize(
    ("prompt", "text"),
    [
        ('a banner saying "Hello world"', "Hello world"),
        ("scrolling marquee that reads Happy birthday!", "Happy birthday"),
        ("banner: Welcome home", "Welcome home"),
        ("welcome banner", "welcome banner"),
    ],
)
def test_banner_text_comes_from_the_prompt(prompt, text):
    assert banner_text(prompt) == text


def test_procedural_generation_is_logged(owner):
    result = generate_artwork(owner, "procedural", "", make_request("snow in the mountains"))
    row = Generation.objects.get()
    assert (row.user, row.prompt, row.provider) == (owner, "snow in the mountains", "procedural")
    assert row.model == result.model == "procedural/snow"
    assert row.success and row.error == "" and row.cost is None
    assert 0 <= row.duration_ms < 10_000
    assert result.provider == "procedural" and result.cost is None


def test_invalid_size_fails_with_a_clear_message_and_is_logged(owner):
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "procedural", "", make_request(width=0))
    assert str(raised.value) == "Width must be a whole number from 1 to 300 characters."
    row = Generation.objects.get()
    assert not row.success and row.error == str(raised.value)


@pytest.mark.parametrize("frame_count", [1, 121])
def test_frame_counts_outside_the_generated_range_fail_and_are_logged(owner, frame_count):
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "procedural", "", make_request(frame_count=frame_count))
    assert str(raised.value) == "The frame count must be a whole number from 2 to 120."
    row = Generation.objects.get()
    assert not row.success and row.error == str(raised.value)


# --- Remote providers -----------------------------------------------------------------


def test_openai_compatible_key_generates_normalised_frames(owner, compatible_key, chat_server):
    drawn = {"frames": ["a\tb\x07c\u200bd", "1\n2\n3\n4\n5", "0123456789abcdef\r\nxyz"]}
    chat_server.replies = [
        Reply(body=completion(PLAN["choices"][0]["message"]["content"], cost=0.0012), delay=0.05),
        Reply(body=completion(json.dumps(drawn), cost=0.003), delay=0.05),
    ]
    request = make_request(width=12, height=3, frame_count=5)
    result = generate_artwork(owner, "openai-compatible", "local/llama", request)

    assert_shape(result.frames, 12, 3, 5)
    blank = " " * 12
    # Tabs expanded, control characters dropped, sizes fitted, frames repeated in order.
    assert result.frames[0] == "\n".join(["a       bcd ", blank, blank])
    assert result.frames[1] == "\n".join(["1".ljust(12), "2".ljust(12), "3".ljust(12)])
    assert result.frames[2] == "\n".join(["0123456789ab", "xyz".ljust(12), blank])
    assert result.frames[3:] == result.frames[:2]
    assert result.cost == Decimal("0.0042")
    assert (result.provider, result.model) == ("openai-compatible", "local/llama")

    assert [r["path"] for r in chat_server.received] == ["/v1/chat/completions"] * 2
    for received in chat_server.received:
        assert received["authorization"] == f"Bearer {USER_KEY}"
        assert received["body"]["model"] == "local/llama"
        assert "usage" not in received["body"]  # OpenRouter's extension only
    assert "rain over roofs" in json.dumps(chat_server.received[1]["body"]["messages"])

    row = Generation.objects.get()
    assert row.success and row.error == ""
    assert (row.provider, row.model) == ("openai-compatible", "local/llama")
    assert row.cost == Decimal("0.0042")
    assert 100 <= row.duration_ms < 10_000


def test_openrouter_key_uses_the_base_url_setting_and_asks_for_the_cost(
    owner, openrouter_at_test_server
):
    ApiKey.objects.create(user=owner, name="router", provider="openrouter", key=USER_KEY)
    fenced = '```json\n{"frames": [["ab", "cd"], ["ef", "gh"]]}\n```'
    openrouter_at_test_server.replies = [
        Reply(body=completion("Rain falls on roofs, left to right.")),  # plain text will do
        Reply(body=completion(f"Here you go:\n{fenced}\nEnjoy!", cost=0.5)),
    ]

    result = generate_artwork(
        owner, "openrouter", MODEL, make_request(width=2, height=2, frame_count=3)
    )

    assert result.frames == ["ab\ncd", "ef\ngh", "ab\ncd"]
    assert result.cost == Decimal("0.5")
    for received in openrouter_at_test_server.received:
        assert received["authorization"] == f"Bearer {USER_KEY}"
        assert received["body"]["model"] == MODEL
        assert received["body"]["usage"] == {"include": True}
    row = Generation.objects.get()
    assert row.success and (row.provider, row.model) == ("openrouter", MODEL)


def test_malformed_model_output_fails_with_a_clear_message_and_is_logged(
    owner, compatible_key, chat_server
):
    chat_server.replies = [
        Reply(body=PLAN),
        Reply(body=completion("I drew a lovely rain scene for you, imagine it!")),
    ]
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openai-compatible", "local/llama", make_request())
    assert str(raised.value) == NOT_FRAMES
    row = Generation.objects.get()
    assert not row.success and row.error == NOT_FRAMES and row.cost is None
    assert (row.provider, row.model) == ("openai-compatible", "local/llama")


def test_answer_cut_off_at_the_token_limit_says_so(owner, compatible_key, chat_server):
    chat_server.replies = [
        Reply(body=PLAN),
        Reply(body=completion('{"frames": ["ab", "c', finish_reason="length")),
    ]
    with pytest.raises(GenerationError, match="cut off"):
        generate_artwork(owner, "openai-compatible", "local/llama", make_request())
    assert not Generation.objects.get().success


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, KEY_REFUSED),
        (403, KEY_REFUSED),
        (429, PROVIDER_RATE_LIMITED),
        (404, "The provider answered with an error (HTTP 404)."),
        (502, "The provider answered with an error (HTTP 502)."),
    ],
)
def test_provider_http_errors_fail_with_clear_messages_and_are_logged(
    owner, compatible_key, chat_server, status, message
):
    chat_server.replies = [Reply(status, {"error": {"message": f"bad key {USER_KEY}"}})]
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openai-compatible", "local/llama", make_request())
    assert str(raised.value) == message
    assert USER_KEY not in str(raised.value)
    row = Generation.objects.get()
    assert not row.success and row.error == message
    assert USER_KEY not in row.error
    assert chat_server.received[0]["authorization"] == f"Bearer {USER_KEY}"


def test_ai_providers_are_asked_for_at_most_24_frames(owner, compatible_key, chat_server):
    chat_server.replies = [Reply(body=PLAN), Reply(body=completion('["x"]'))]
    generate_artwork(owner, "openai-compatible", "local/llama", make_request(frame_count=24))
    chat_server.received.clear()
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openai-compatible", "local/llama", make_request(frame_count=25))
    message = "AI providers can draw up to 24 frames; the procedural generator up to 120."
    assert str(raised.value) == message
    assert chat_server.received == []  # refused before any request
    row = Generation.objects.latest("id")
    assert not row.success and row.error == message


def test_slow_provider_times_out_and_logs_the_wait(owner, compatible_key, chat_server, settings):
    settings.AI_TIMEOUT_SECONDS = 0.3
    chat_server.replies = [Reply(body=PLAN, delay=30)]
    started = time.monotonic()
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openai-compatible", "local/llama", make_request())
    assert time.monotonic() - started < 5
    assert str(raised.value) == TOO_SLOW
    row = Generation.objects.get()
    assert not row.success and row.error == TOO_SLOW
    assert 300 <= row.duration_ms < 5_000


def test_unreachable_provider_fails_with_a_clear_message(owner):
    (port,) = free_ports(1)  # nothing listens there
    ApiKey.objects.create(
        user=owner,
        name="gone",
        provider="openai-compatible",
        base_url=f"http://127.0.0.1:{port}/v1",
        key=USER_KEY,
    )
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openai-compatible", "local/llama", make_request())
    assert str(raised.value) == UNREACHABLE
    assert Generation.objects.get().error == UNREACHABLE


def test_missing_key_fails_with_a_settings_hint_and_logs_one_failed_row(owner, other_user):
    ApiKey.objects.create(user=other_user, name="theirs", provider="openai", key=USER_KEY)
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openai", "gpt-4o-mini", make_request())
    message = "No API key for OpenAI: add one in Settings → API keys."
    assert str(raised.value) == message
    row = Generation.objects.get()
    assert (row.user, row.provider, row.model) == (owner, "openai", "gpt-4o-mini")
    assert not row.success and row.error == message
    assert 0 <= row.duration_ms < 10_000


def test_server_key_is_used_when_the_creator_has_none(owner, settings, chat_server):
    settings.AI_SERVER_KEYS = {"openai": "sk-server-key"}
    settings.AI_BASE_URLS = {**settings.AI_BASE_URLS, "openai": chat_server.base_url}
    chat_server.replies = [Reply(body=PLAN), Reply(body=completion('["abc"]'))]
    result = generate_artwork(owner, "openai", "gpt-4o-mini", make_request(frame_count=2))
    assert result.frames == ["abc     \n        \n        "] * 2
    assert result.cost is None  # no cost reported
    assert chat_server.received[0]["authorization"] == "Bearer sk-server-key"


def test_creators_newest_key_wins_over_older_keys_and_the_server_key(
    owner, settings, openrouter_at_test_server
):
    settings.AI_SERVER_KEYS = {"openrouter": "sk-server-key"}
    ApiKey.objects.create(user=owner, name="old", provider="openrouter", key="sk-old")
    ApiKey.objects.create(user=owner, name="new", provider="openrouter", key="sk-new")
    openrouter_at_test_server.replies = [Reply(body=PLAN), Reply(body=completion('["x"]'))]
    generate_artwork(owner, "openrouter", MODEL, make_request())
    assert openrouter_at_test_server.received[0]["authorization"] == "Bearer sk-new"


def test_unexpected_failure_is_logged_with_a_generic_message(owner, settings):
    ApiKey.objects.create(user=owner, name="router", provider="openrouter", key=USER_KEY)
    # The stored key can no longer be decrypted: a deployment mistake, not the creator's.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(GenerationError) as raised:
        generate_artwork(owner, "openrouter", MODEL, make_request())
    assert str(raised.value) == UNEXPECTED
    row = Generation.objects.get()
    assert not row.success and row.error == UNEXPECTED


def test_remote_provider_repr_never_shows_the_key():
    provider = ChatCompletionsProvider("https://example.org/v1", USER_KEY, MODEL, 5)
    assert USER_KEY not in repr(provider)


# --- Parsing what models answer -------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "frames"),
    [
        ('{"frames": ["a", "b"]}', ["a", "b"]),
        ('```json\n{"frames": ["a"]}\n```', ["a"]),
        ('```\n["a", "b"]\n```', ["a", "b"]),
        ('Sure! Here are the frames: ["x\\ny"] Hope you like them.', ["x\ny"]),
        ('{"frames": [["ab", "cd"]]}', ["ab\ncd"]),
    ],
)
def test_model_answers_in_common_shapes_are_understood(answer, frames):
    assert parse_frames(answer) == frames


@pytest.mark.parametrize(
    "answer",
    [
        "Here is your animation!",
        '{"frames": []}',
        "[]",
        '{"frames": [1, 2]}',
        '{"frames": "just one string"}',
        '{"art": ["a"]}',
        '{"frames": ["a", null]}',
    ],
)
def test_answers_that_are_not_frames_are_refused(answer):
    with pytest.raises(GenerationError, match="not animation frames"):
        parse_frames(answer)


# --- Rate limit -----------------------------------------------------------------------


def test_rate_limit_raises_and_adds_no_row(owner, other_user, settings):
    settings.GENERATION_RATE_LIMIT = 2
    for _ in range(2):
        generate_artwork(owner, "procedural", "", make_request())
    with pytest.raises(RateLimited) as raised:
        generate_artwork(owner, "procedural", "", make_request())
    assert "try again in 60 minutes" in str(raised.value)
    assert Generation.objects.filter(user=owner).count() == 2
    # Someone else's limit is their own.
    generate_artwork(other_user, "procedural", "", make_request())


def test_failed_attempts_count_towards_the_rate_limit(owner, settings):
    settings.GENERATION_RATE_LIMIT = 1
    with pytest.raises(GenerationError):
        generate_artwork(owner, "openai", "gpt-4o-mini", make_request())  # no key
    with pytest.raises(RateLimited):
        generate_artwork(owner, "procedural", "", make_request())
    assert Generation.objects.count() == 1


def test_rate_limit_counts_only_the_last_hour_and_says_when_to_come_back(owner, settings):
    settings.GENERATION_RATE_LIMIT = 1
    now = timezone.now()
    old = {"user": owner, "prompt": "p", "model": "m", "status": "done", "duration_ms": 5}
    Generation.objects.create(created_at=now - timedelta(minutes=61), **old)
    generate_artwork(owner, "procedural", "", make_request())  # the old row has expired

    Generation.objects.filter(provider="procedural").update(created_at=now - timedelta(minutes=50))
    with pytest.raises(RateLimited) as raised:
        generate_artwork(owner, "procedural", "", make_request())
    assert "try again in 10 minutes" in str(raised.value)


def test_no_rate_limit_when_switched_off(owner, settings):
    settings.GENERATION_RATE_LIMIT = 0
    for _ in range(3):
        generate_artwork(owner, "procedural", "", make_request(frame_count=2))
    assert Generation.objects.count() == 3


# --- Provider choices -----------------------------------------------------------------


def test_available_providers_are_procedural_only_without_keys(owner, other_user):
    ApiKey.objects.create(user=other_user, name="theirs", provider="openrouter", key=USER_KEY)
    assert available_providers(owner) == [("procedural", "Procedural (offline)")]


def test_available_providers_include_openrouter_once_the_user_has_a_key(owner):
    ApiKey.objects.create(user=owner, name="router", provider="openrouter", key=USER_KEY)
    assert available_providers(owner) == [
        ("procedural", "Procedural (offline)"),
        ("openrouter", "OpenRouter"),
    ]


def test_available_providers_include_those_with_a_server_key(owner, settings):
    settings.AI_SERVER_KEYS = {"google": "server-key"}
    ApiKey.objects.create(
        user=owner,
        name="mine",
        provider="openai-compatible",
        base_url="https://llm.example.org/v1",
        key=USER_KEY,
    )
    assert available_providers(owner) == [
        ("procedural", "Procedural (offline)"),
        ("google", "Google"),
        ("openai-compatible", "OpenAI-compatible server"),
    ]
