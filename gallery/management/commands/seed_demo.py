"""Fill the gallery with a demo creator and animated artworks. Safe to run again."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserSettings
from gallery.generators import generate
from gallery.models import Artwork, Collection, Share, Visibility

DEMO_EMAIL = "demo@asciigallery.invalid"
DEMO_USERNAME = "demo"


class Demo(NamedTuple):
    prompt: str
    scene: str
    width: int = 80
    height: int = 24
    fps: int = 10
    frames: int = 48
    visibility: str = Visibility.PUBLIC
    style: str = ""
    text: str = ""
    featured: bool = False


DEMOS = [
    Demo("Rain on a quiet street at night", "rain", style="moody", featured=True),
    Demo("Thunderstorm over the harbour", "rain", 100, 30, 15, 60, style="dramatic"),
    Demo("Soft drizzle, minimal", "rain", 60, 20, 8, 40, style="minimal"),
    Demo("First snow of winter", "snow", featured=True),
    Demo("Blizzard in the mountains", "snow", 120, 40, 24, 72, style="cinematic"),
    Demo("Snowflakes drifting past a window", "snow", 64, 32, 8, 48, Visibility.UNLISTED),
    Demo("Warp speed through a starfield", "starfield", 100, 40, 15, 60, featured=True),
    Demo("Drifting through deep space", "starfield", 80, 24, 10, 60, style="calm"),
    Demo("Ocean waves at sunset", "waves", featured=True),
    Demo("Calm sea, retro terminal", "waves", 80, 25, 12, 48, style="retro"),
    Demo("Campfire under the stars", "fire", 80, 24, 15, 60, featured=True),
    Demo("Fireplace in a log cabin", "fire", 60, 20, 12, 48, style="cozy"),
    Demo("Digital rain from the matrix", "matrix", 100, 40, 15, 60, style="matrix"),
    Demo("Green code falling in the dark", "matrix", 80, 24, 12, 48, Visibility.PRIVATE),
    Demo("Psychedelic plasma", "plasma", 80, 24, 15, 60, style="psychedelic"),
    Demo("Lava lamp plasma, slow", "plasma", 64, 32, 8, 48, style="slow"),
    Demo("Hello world banner", "banner", 100, 12, 15, 80, text="HELLO WORLD"),
    Demo("Welcome to the gallery", "banner", 120, 12, 20, 120, text="WELCOME TO ASCIIGALLERY"),
    Demo("Retro arcade: insert coin", "banner", 80, 12, 12, 80, text="INSERT COIN", style="retro"),
    Demo("Bouncing balls with trails", "bounce", featured=True),
    Demo("A single ball bouncing in a box", "bounce", 60, 20, 15, 60, style="minimal"),
    Demo("Rotating wireframe cube", "cube", 80, 30, 15, 60, featured=True),
    Demo("Spinning cube, retro vector graphics", "cube", 64, 32, 12, 48, style="retro"),
    Demo("Conway's game of life", "life", 80, 24, 8, 60),
    Demo("Life in a petri dish", "life", 100, 40, 10, 80, Visibility.UNLISTED),
    Demo("Tunnel of light", "tunnel", 80, 24, 15, 60, style="hypnotic"),
    Demo("Fireworks over the city", "fireworks", 100, 30, 15, 72, featured=True),
    Demo("New year fireworks", "fireworks", 80, 24, 12, 60),
    Demo("Aquarium with fish and bubbles", "aquarium", 80, 24, 10, 60),
    Demo("Tiny reef tank", "aquarium", 60, 20, 8, 48, Visibility.PRIVATE),
    Demo("Spiral galaxy", "spiral", 80, 30, 12, 60),
    Demo("Loading spinner", "spinner", 40, 12, 12, 24, style="minimal"),
]

COLLECTIONS = [
    ("Weather", "Rain, snow and storms, drawn in text.", ["rain", "snow"], "public"),
    (
        "Night sky",
        "Stars, fireworks and deep space.",
        ["starfield", "fireworks", "spiral"],
        "public",
    ),
    ("Work in progress", "Drafts before they go public.", ["matrix", "aquarium"], "private"),
]


class Command(BaseCommand):
    help = "Creates a demo creator with animated artworks, collections and share links."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has artworks.",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Artwork.objects.exists():
            self.stdout.write("Demo content skipped: the gallery already has artworks.")
            return
        with transaction.atomic():
            creator = self._creator()
            artworks, created = self._artworks(creator)
            self._collections(creator, artworks)
            self._shares(artworks)
        self.stdout.write(
            f"Demo content ready: {len(artworks)} artworks ({created} new) by @{creator.username},"
            f" {len(COLLECTIONS)} collections, 2 share links."
        )

    def _creator(self) -> User:
        creator = User.objects.filter(email=DEMO_EMAIL).first()
        if creator is None:
            creator = User.objects.create_user(
                email=DEMO_EMAIL,
                username=User.objects.available_username(DEMO_USERNAME),
                name="Demo Creator",
            )
        UserSettings.objects.get_or_create(user=creator)
        return creator

    def _artworks(self, creator: User) -> tuple[dict[str, Artwork], int]:
        now = timezone.now()
        artworks: dict[str, Artwork] = {}
        created = 0
        for number, demo in enumerate(DEMOS):
            artwork = Artwork.objects.filter(owner=creator, prompt=demo.prompt).first()
            if artwork is None:
                self.stdout.write(f"  [{number + 1}/{len(DEMOS)}] {demo.prompt}")
                frames = generate(
                    demo.scene,
                    width=demo.width,
                    height=demo.height,
                    frame_count=demo.frames,
                    seed=demo.prompt,
                    text=demo.text,
                )
                artwork = Artwork(
                    owner=creator,
                    prompt=demo.prompt,
                    frames=frames,
                    width=demo.width,
                    height=demo.height,
                    fps=demo.fps,
                    generator="procedural",
                    model=demo.scene,
                    style=demo.style,
                    visibility=demo.visibility,
                    featured=demo.featured,
                    # Spread over the last weeks so "latest" has a believable order.
                    created_at=now - timedelta(hours=7 * number),
                )
                artwork.full_clean()
                artwork.save()
                created += 1
            artworks[demo.prompt] = artwork
        return artworks, created

    def _collections(self, creator: User, artworks: dict[str, Artwork]) -> None:
        for name, description, scenes, visibility in COLLECTIONS:
            collection, _ = Collection.objects.get_or_create(
                owner=creator,
                name=name,
                defaults={"description": description, "visibility": visibility},
            )
            for demo in DEMOS:
                if demo.scene in scenes:
                    collection.append(artworks[demo.prompt])

    def _shares(self, artworks: dict[str, Artwork]) -> None:
        # One share of a private artwork with a view limit, one of an unlisted one
        # that expires: the two kinds a creator hands out most.
        limited = artworks["Green code falling in the dark"]
        if not limited.shares.exists():
            Share.objects.create(artwork=limited, max_views=10)
        expiring = artworks["Snowflakes drifting past a window"]
        if not expiring.shares.exists():
            Share.objects.create(artwork=expiring, expires_at=timezone.now() + timedelta(days=7))
