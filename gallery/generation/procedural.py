"""The offline provider: draws with the scene generators in `gallery.generators`."""

from __future__ import annotations

import re

from gallery.generation.base import GenerationError, GenerationRequest, GenerationResult
from gallery.generators import SCENES, generate, scene_choice

PROCEDURAL = "procedural"
PROCEDURAL_LABEL = "Procedural (offline)"

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')
_SAYING = re.compile(r"\b(?:saying|says|that reads|reads|reading|with the text)\b\s*(.+)", re.I)


def banner_text(prompt: str) -> str:
    """What a banner prompt asks to show: quoted text, else what follows "saying" (or a
    colon), else the whole prompt."""
    quoted = _QUOTED.search(prompt)
    if quoted:
        text = quoted.group(1) or quoted.group(2)
    elif saying := _SAYING.search(prompt):
        text = saying.group(1)
    elif ":" in prompt:
        text = prompt.split(":", 1)[1]
    else:
        text = prompt
    return text.strip().strip(".!?,;").strip() or prompt.strip()


class ProceduralProvider:
    """Offline and deterministic: the same prompt and seed always give the same frames."""

    name = PROCEDURAL

    def generate(self, request: GenerationRequest) -> GenerationResult:
        if request.scene:
            if request.scene not in SCENES:
                raise GenerationError("Choose one of the listed scenes.")
            scene, why = request.scene, "as you chose"
        else:
            scene, why = scene_choice(request.prompt)
        # Only the banner draws its text large enough to be the point of the artwork.
        text = banner_text(request.prompt) if scene == "banner" else ""
        try:
            frames = generate(
                scene,
                width=request.width,
                height=request.height,
                frame_count=request.frame_count,
                seed=request.seed,
                text=text,
            )
        except ValueError as error:
            # The request was checked before; this would be a bug in a scene.
            raise GenerationError("The procedural generator cannot draw this size.") from error
        return GenerationResult(
            frames=frames,
            provider=self.name,
            model=f"procedural/{scene}",
            note=f"the {scene} scene, {why}",
        )
