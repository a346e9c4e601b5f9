"""The text exports: the frames as the editor writes them, and JSON with metadata."""

from __future__ import annotations

import json
from collections.abc import Sequence

from gallery.frames import join_frames
from gallery.models import Artwork


def render_txt(frames: Sequence[str]) -> str:
    """The editor's format: frames between separator lines, as the .txt upload reads."""
    return join_frames(frames) + "\n"


def render_json(artwork: Artwork, url: str) -> str:
    """Frames and metadata; the studio's .json upload reads the "frames" list back."""
    data = {
        "public_id": artwork.public_id,
        "url": url,
        "prompt": artwork.prompt,
        "width": artwork.width,
        "height": artwork.height,
        "fps": artwork.fps,
        "frame_count": len(artwork.frames),
        "generator": artwork.generator,
        "model": artwork.model,
        "style": artwork.style,
        "created_at": artwork.created_at.isoformat(),
        "frames": artwork.frames,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
