"""Procedural, deterministic ASCII-art animations.

`generate(scene, width=..., height=..., frame_count=..., seed=..., text=...)` returns a
list of frames, each exactly `height` lines of exactly `width` printable ASCII
characters. The same arguments always give the same frames: every scene draws its
randomness from a `random.Random` seeded with a SHA-256 of the scene name and seed.

`scene_for_prompt(prompt)` picks a scene from the words of a free-text prompt.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import random
import re
from collections.abc import Callable

from ..frames import MAX_FRAMES, MAX_HEIGHT, MAX_WIDTH, MIN_FRAMES, MIN_HEIGHT, MIN_WIDTH
from .aquarium import aquarium
from .banner import banner
from .bounce import bounce
from .cube import cube
from .fire import fire
from .fireworks import fireworks
from .life import life
from .matrix import matrix
from .plasma import plasma
from .rain import rain
from .snow import snow
from .spinner import spinner
from .spiral import spiral
from .starfield import starfield
from .tunnel import tunnel
from .waves import waves

__all__ = [
    "SCENES",
    "Scene",
    "generate",
    "keywords_of",
    "scene_choice",
    "scene_for_prompt",
    "scene_preview",
]

# (rng, width, height, frame_count, text) -> frames. generate() validates the sizes and
# cleans `text` first, so scenes may trust their arguments.
Scene = Callable[[random.Random, int, int, int, str], list[str]]

SCENES: dict[str, Scene] = {
    "rain": rain,
    "snow": snow,
    "starfield": starfield,
    "waves": waves,
    "fire": fire,
    "matrix": matrix,
    "plasma": plasma,
    "banner": banner,
    "bounce": bounce,
    "cube": cube,
    "life": life,
    "tunnel": tunnel,
    "fireworks": fireworks,
    "aquarium": aquarium,
    "spiral": spiral,
    "spinner": spinner,
}

# Banner text beyond this is never visible in a reasonable animation and only costs time.
MAX_TEXT = 200

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "rain": (
        "rain",
        "rainy",
        "raining",
        "storm",
        "stormy",
        "thunder",
        "thunderstorm",
        "drizzle",
        "downpour",
        "lightning",
        "shower",
        "monsoon",
    ),
    "snow": (
        "snow",
        "snowy",
        "snowing",
        "snowfall",
        "snowflake",
        "winter",
        "blizzard",
        "frost",
        "frosty",
        "christmas",
        "xmas",
        "flurry",
        "flurries",
    ),
    "starfield": (
        "star",
        "starfield",
        "starry",
        "space",
        "galaxy",
        "warp",
        "cosmos",
        "cosmic",
        "universe",
        "hyperspace",
        "astronaut",
        "interstellar",
    ),
    "waves": (
        "sea",
        "ocean",
        "wave",
        "beach",
        "surf",
        "tide",
        "sail",
        "sailing",
        "boat",
        "coast",
        "shore",
        "seaside",
        "sunset",
        "marine",
    ),
    "fire": (
        "fire",
        "flame",
        "campfire",
        "fireplace",
        "burn",
        "burning",
        "blaze",
        "inferno",
        "bonfire",
        "ember",
        "torch",
        "hearth",
    ),
    "matrix": (
        "matrix",
        "code",
        "coding",
        "hacker",
        "hacking",
        "digital",
        "cyber",
        "cyberpunk",
        "binary",
        "terminal",
        "glitch",
        "computer",
    ),
    "plasma": (
        "plasma",
        "psychedelic",
        "trippy",
        "lava",
        "acid",
        "groovy",
        "rainbow",
        "kaleidoscope",
        "abstract",
        "demoscene",
    ),
    "banner": (
        "banner",
        "text",
        "title",
        "sign",
        "marquee",
        "headline",
        "message",
        "hello",
        "welcome",
        "scroller",
        "scrolling",
        "logo",
        "announcement",
    ),
    "bounce": ("bounce", "bouncing", "bouncy", "ball", "juggle", "juggling", "pinball", "pong"),
    "cube": ("cube", "3d", "wireframe", "geometry", "geometric", "polyhedron", "vector", "dice"),
    "life": (
        "life",
        "conway",
        "cellular",
        "automaton",
        "automata",
        "cell",
        "petri",
        "organism",
        "bacteria",
        "colony",
        "evolution",
    ),
    "tunnel": ("tunnel", "wormhole", "portal", "corridor", "tube", "subway"),
    "fireworks": (
        "firework",
        "celebration",
        "celebrate",
        "party",
        "festival",
        "sparkler",
        "explosion",
        "newyear",
        "anniversary",
        "birthday",
    ),
    "aquarium": (
        "aquarium",
        "fish",
        "reef",
        "underwater",
        "bubble",
        "coral",
        "tank",
        "goldfish",
        "submarine",
    ),
    "spiral": (
        "spiral",
        "swirl",
        "vortex",
        "whirl",
        "whirlpool",
        "nebula",
        "hypnosis",
        "hypnotic",
        "twister",
    ),
    "spinner": (
        "spinner",
        "loading",
        "loader",
        "progress",
        "wait",
        "waiting",
        "buffering",
        "busy",
        "spinning",
    ),
}
_KEYWORD_SCENE = {word: scene for scene, words in _KEYWORDS.items() for word in words}


def _stable_int(*parts: str) -> int:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest, "big")


def _checked(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _clean_text(text: object) -> str:
    """Printable ASCII on one line: scenes draw it straight onto the canvas."""
    flat = re.sub(r"\s+", " ", str(text or ""))
    return "".join(char for char in flat if " " <= char <= "~").strip()[:MAX_TEXT]


def generate(
    scene: str,
    *,
    width: int,
    height: int,
    frame_count: int,
    seed: int | str = 0,
    text: str = "",
) -> list[str]:
    """Render `frame_count` frames of `scene`; raise ValueError for bad arguments."""
    if scene not in SCENES:
        known = ", ".join(sorted(SCENES))
        raise ValueError(f"unknown scene {scene!r}; choose one of: {known}")
    width = _checked("width", width, MIN_WIDTH, MAX_WIDTH)
    height = _checked("height", height, MIN_HEIGHT, MAX_HEIGHT)
    frame_count = _checked("frame_count", frame_count, MIN_FRAMES, MAX_FRAMES)
    # Seeds are hashed as text: seed=7 and seed="7" give the same animation.
    rng = random.Random(_stable_int("scene", scene, str(seed)))
    return SCENES[scene](rng, width, height, frame_count, _clean_text(text))


def _words(prompt: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", prompt.lower())


def scene_of_word(word: str) -> str | None:
    """The scene a keyword stands for ("blizzard": snow), if any."""
    word = word.lower()
    return _KEYWORD_SCENE.get(word) or (
        _KEYWORD_SCENE.get(word[:-1]) if word.endswith("s") else None
    )


def scene_for_prompt(prompt: str) -> str:
    """The scene for the first keyword in the prompt, else one picked by its hash."""
    return scene_choice(prompt)[0]


def scene_choice(prompt: str) -> tuple[str, str]:
    """The scene for `prompt` and why, in words for the creator: the first keyword
    found ('the word "blizzard"'), else one picked from the prompt's words as a whole,
    the same each time."""
    words = _words(prompt)
    for word in words:
        # Cheap plural handling: "waves" -> "wave", "fireworks" -> "firework".
        for candidate in (word, word[:-1] if word.endswith("s") else word):
            if candidate in _KEYWORD_SCENE:
                return _KEYWORD_SCENE[candidate], f"picked by the word “{word}”"
    # Normalised words, so "Cosy nook!" and "cosy  nook" get the same scene.
    names = sorted(SCENES)
    scene = names[_stable_int("prompt", " ".join(words)) % len(names)]
    return scene, "no word in the prompt names a scene, so the prompt's words picked one"


def keywords_of(scene: str) -> tuple[str, ...]:
    """The words that pick `scene` (none for scenes only chosen by hand or by chance)."""
    return _KEYWORDS.get(scene, ())


@functools.cache
def scene_preview(scene: str) -> str:
    """A small still of `scene` for the generate page (drawn once per process)."""
    return generate(scene, width=30, height=8, frame_count=6, seed="preview", text="ASCII")[3]
