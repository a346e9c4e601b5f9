"""Studio forms. Frames are validated by gallery/frames.py, through the model's clean()."""

from __future__ import annotations

import json
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Provider, UserSettings
from gallery import casts, conversion, generation, generators
from gallery import frames as frame_rules
from gallery.models import CONVERSION_PROVIDER, Artwork, Collection, File
from gallery.shares import EXPIRY_CHOICES

MAX_FRAMES_FILE_BYTES = 5 * 1024 * 1024
# CONVERSION_PROVIDER ("image"): converted from an upload (gallery/uploads.py).
KNOWN_GENERATORS = {"manual", "remix", "procedural", CONVERSION_PROVIDER, *Provider.values}


class Preset(NamedTuple):
    label: str
    width: int
    height: int
    fps: int


PRESETS = {
    "minimal": Preset("Minimal", 60, 20, 8),
    "standard": Preset("Standard", 80, 24, 10),
    "cinematic": Preset("Cinematic", 120, 40, 24),
    "retro": Preset("Retro", 80, 25, 12),
    "matrix": Preset("Matrix", 100, 40, 15),
    "pixel": Preset("Pixel", 64, 32, 8),
}
PRESET_CHOICES = [
    (key, f"{preset.label} — {preset.width}×{preset.height} @ {preset.fps} fps")
    for key, preset in PRESETS.items()
]


class ImportedFrames(NamedTuple):
    frames: list[str]
    # A terminal recording brings its size, and a note when it was cut to fit.
    width: int | None = None
    height: int | None = None
    note: str = ""


def frames_from_file(upload, fps: int = 10) -> list[str]:
    return import_frames_file(upload, fps).frames


def import_frames_file(upload, fps: int = 10) -> ImportedFrames:
    """Frames from an uploaded .txt (separator lines between frames), .json (a list
    of strings, or an object with a "frames" list, as the JSON export writes) or
    asciinema .cast recording (replayed at `fps`, gallery/casts.py)."""
    name = (upload.name or "").lower()
    if not name.endswith((".json", ".txt", ".cast")):
        raise ValidationError("Upload a .txt or .json file of frames, or a .cast recording.")
    if upload.size > MAX_FRAMES_FILE_BYTES:
        raise ValidationError("The file is larger than 5 MB.")
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text.") from None
    if casts.is_cast(name):
        cast = casts.frames_from_cast(text, fps)
        return ImportedFrames(cast.frames, cast.width, cast.height, cast.note)
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(f"The JSON file is not valid JSON ({error.msg}).") from None
        except RecursionError:
            raise ValidationError("The JSON file is nested too deeply.") from None
        if isinstance(data, dict):
            data = data.get("frames")
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise ValidationError(
                'The JSON file must hold a list of text frames, like ["frame 1", "frame 2"].'
            )
        if not data:
            raise ValidationError("The JSON file holds no frames.")
        return ImportedFrames(frame_rules.normalize_newlines(data))
    return ImportedFrames(frame_rules.split_frames(text))


class ArtworkForm(forms.ModelForm):
    """Create or edit an artwork. Frames arrive as one text (separator lines between
    frames) or as an uploaded file, which then wins."""

    frames_text = forms.CharField(
        label="Frames",
        strip=False,
        error_messages={"required": "Add at least one frame, or upload a file."},
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "wrap": "off"}),
        help_text=f"Type or paste the frames; put a line “{frame_rules.FRAME_SEPARATOR}”"
        " between two frames.",
    )
    frames_file = forms.FileField(
        label="…or upload frames",
        required=False,
        help_text="A .txt file with separator lines, a .json list of frames, or an"
        " asciinema .cast terminal recording (played back at the frames per second below).",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".txt,.json,.cast,text/plain,application/json"}
        ),
    )
    width = forms.IntegerField(
        required=False,
        min_value=frame_rules.MIN_WIDTH,
        max_value=frame_rules.MAX_WIDTH,
        help_text="Characters per line. Empty: measured from the frames.",
    )
    height = forms.IntegerField(
        required=False,
        min_value=frame_rules.MIN_HEIGHT,
        max_value=frame_rules.MAX_HEIGHT,
        help_text="Lines per frame. Empty: measured from the frames.",
    )
    fps = forms.IntegerField(
        label="Frames per second",
        min_value=frame_rules.MIN_FPS,
        max_value=frame_rules.MAX_FPS,
        initial=10,
    )
    remix_of = forms.CharField(required=False, widget=forms.HiddenInput)
    # The upload this artwork was converted from: linked to it once saved.
    from_file = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    class Meta:
        model = Artwork
        fields = ("prompt", "style", "fps", "visibility", "generator", "model")
        widgets = {
            "prompt": forms.Textarea(attrs={"rows": 2, "maxlength": frame_rules.MAX_PROMPT}),
            "visibility": forms.RadioSelect,
            "generator": forms.HiddenInput,
            "model": forms.HiddenInput,
        }
        labels = {"prompt": "Title or prompt", "fps": "Frames per second"}

    field_order = ["prompt", "frames_text", "frames_file", "width", "height", "fps", "style",
                   "visibility"]  # fmt: skip

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.remix_source: Artwork | None = None
        self.notes: list[str] = []  # for the creator once saved (a recording cut to fit)
        if self.files.get("frames_file"):
            self.fields["frames_text"].required = False  # the file brings the frames
        self.fields["generator"].required = False
        self.fields["model"].required = False
        if self.instance.pk:
            # The form shows what is saved, so that a save touching only the title keeps
            # the canvas (not model fields of this form: initial values by hand).
            self.initial.setdefault("frames_text", frame_rules.join_frames(self.instance.frames))
            self.initial.setdefault("width", self.instance.width)
            self.initial.setdefault("height", self.instance.height)
            self.fields["width"].help_text = "Characters per line. Empty: the current width."
            self.fields["height"].help_text = "Lines per frame. Empty: the current height."
        else:
            self.initial.setdefault("visibility", UserSettings.for_user(user).default_visibility)

    def _apply_preset(self) -> None:
        """Without JavaScript the preset select cannot fill the fields in, so the
        server does: for each of width, height and fps left empty."""
        preset = PRESETS.get(self.data.get("preset", ""))
        if preset is None:
            return
        for field, value in (("width", preset.width), ("height", preset.height),
                             ("fps", preset.fps)):  # fmt: skip
            if self.cleaned_data.get(field) in (None, ""):
                self.cleaned_data[field] = value
                self.errors.pop(field, None)

    def clean_frames_file(self):
        upload = self.cleaned_data.get("frames_file")
        if upload and casts.is_cast(upload.name):
            return upload  # replayed in clean(), once the fps is known
        return frames_from_file(upload) if upload else None

    def clean_from_file(self) -> File | None:
        # Only a new artwork, from the creator's own file, one not made into another
        # artwork since (that one keeps it); a file deleted meanwhile is not linked.
        pk = self.cleaned_data.get("from_file")
        if not pk or self.instance.pk:
            return None
        return File.objects.filter(pk=pk, owner=self.user, artwork__isnull=True).first()

    def clean_remix_of(self) -> str:
        public_id = self.cleaned_data.get("remix_of", "")
        if public_id:
            # Never trust the hidden field: the source must be one the creator may see.
            source = Artwork.objects.visible_to(self.user).filter(public_id=public_id).first()
            if source is None:
                raise ValidationError("The artwork this remix starts from is not available.")
            self.remix_source = source
        return public_id

    def clean(self):
        cleaned = super().clean()
        self._apply_preset()
        frames = cleaned.get("frames_file")
        width, height = cleaned.get("width"), cleaned.get("height")
        if frames is not None and not isinstance(frames, list):
            try:
                imported = import_frames_file(
                    frames, cleaned.get("fps") or self.fields["fps"].initial
                )
            except ValidationError as error:
                self.add_error("frames_file", error)
                return cleaned
            frames = imported.frames
            width, height = width or imported.width, height or imported.height
            self.notes += [imported.note] if imported.note else []
        if frames is None:
            text = cleaned.get("frames_text") or ""
            if not text.strip():
                self.add_error("frames_text", "Add at least one frame, or upload a file.")
                return cleaned
            frames = frame_rules.split_frames(text)
        # Not model fields of this form: set on the instance, validated by its clean().
        width, height = self._size_for(frames, width, height)
        self.instance.frames, self.instance.width, self.instance.height = frames, width, height
        # The generator travels in a hidden field from the generate step: only known
        # names are kept, so nobody can label a drawing with a made-up origin.
        generator = cleaned.get("generator") or self.instance.generator or "manual"
        if generator not in KNOWN_GENERATORS:
            generator, cleaned["model"] = "manual", ""
        cleaned["generator"] = generator
        if self.remix_source is not None:
            self.instance.remixed_from = self.remix_source
        return cleaned

    def _size_for(self, frames: list[str], width: int | None, height: int | None):
        """The canvas: the size typed in, else the smallest that holds the frames; an
        edit left empty keeps the saved size, grown only if the frames need more (a
        canvas is never shrunk to its content behind the creator's back)."""
        measured_width, measured_height = frame_rules.measure(frames)
        keep_width = self.instance.width if self.instance.pk else 1
        keep_height = self.instance.height if self.instance.pk else 1
        return (
            width or max(measured_width, keep_width, 1),
            height or max(measured_height, keep_height, 1),
        )

    def _update_errors(self, errors: ValidationError) -> None:
        # The model reports frame problems on "frames"; here they belong to the textarea.
        if hasattr(errors, "error_dict") and "frames" in errors.error_dict:
            errors.error_dict["frames_text"] = errors.error_dict.pop("frames")
        super()._update_errors(errors)

    def save(self, commit: bool = True) -> Artwork:
        if not self.instance.pk:
            self.instance.owner = self.user
        artwork = super().save(commit)
        source = self.cleaned_data.get("from_file")
        if commit and source is not None:
            File.objects.filter(pk=source.pk).update(artwork=artwork)
        return artwork


def _distinct(words) -> list[str]:
    """Words that are not variants of one another: snow, winter, blizzard (no snowy)."""
    kept: list[str] = []
    for word in words:
        if not any(word.startswith(other[:4]) or other.startswith(word[:4]) for other in kept):
            kept.append(word)
    return kept


class GenerateForm(forms.Form):
    prompt = forms.CharField(
        max_length=frame_rules.MAX_PROMPT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Describe a scene: rain over a city, a campfire, a starfield…",
    )
    preset = forms.ChoiceField(choices=PRESET_CHOICES, initial="standard", label="Size and speed")
    frame_count = forms.IntegerField(
        label="Frames",
        min_value=generation.MIN_GENERATED_FRAMES,
        max_value=generation.MAX_GENERATED_FRAMES,
        initial=48,
        help_text=f"{generation.MIN_GENERATED_FRAMES} to {generation.MAX_GENERATED_FRAMES}"
        f" (up to {generation.MAX_AI_FRAMES} with an AI provider).",
    )
    provider = forms.ChoiceField(label="Generator")
    scene = forms.ChoiceField(
        required=False,
        label="Scene",
        help_text="For the procedural generator: pick one, or let the prompt's words pick.",
    )
    model = forms.CharField(required=False, max_length=200, help_text="AI providers need one.")
    seed = forms.IntegerField(
        required=False, min_value=0, max_value=2**31, help_text="Same prompt and seed, same result."
    )
    style = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, providers: list[tuple[str, str]], models: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = providers
        self.fields["provider"].error_messages["invalid_choice"] = (
            "That generator is not available to you: add an API key for it in Settings → API keys."
        )
        self.fields["scene"].choices = [("", "Let the prompt's words pick")] + [
            (name, name.capitalize()) for name in generators.SCENES
        ]
        # AI models are offered only when an AI provider can run (a key, the creator's
        # or the site's): the procedural generator needs none.
        self.ai_available = len(providers) > 1
        if self.ai_available:
            self.fields["model"].widget = forms.Select(
                choices=[("", "None (the procedural generator needs none)")]
                + [(m, m) for m in models]
            )
        else:
            del self.fields["model"]
            self.fields["provider"].widget = forms.HiddenInput()
            self.initial["provider"] = generation.PROCEDURAL

    def scenes(self) -> list[dict]:
        """The scenes with a still and the words that pick each, for the page's list."""
        return [
            {"name": name, "preview": generators.scene_preview(name),
             "keywords": _distinct(generators.keywords_of(name))[:4]}
            for name in generators.SCENES
        ]  # fmt: skip

    def clean_prompt(self) -> str:
        prompt = self.cleaned_data["prompt"].strip()
        if not prompt:
            raise ValidationError("Describe what to generate.")
        return prompt

    def clean(self):
        cleaned = super().clean()
        provider, count = cleaned.get("provider"), cleaned.get("frame_count")
        if provider and provider != generation.PROCEDURAL and not cleaned.get("model"):
            self.add_error("model", "Choose a model for the AI provider.")
        if provider and count is not None:
            # The field checked the range; this adds the provider's own cap.
            try:
                generation.check_frame_count(provider, count)
            except generation.GenerationError as error:
                self.add_error("frame_count", str(error))
        return cleaned

    def generation_request(self) -> generation.GenerationRequest:
        """What a valid form asks for, as the generation service takes it."""
        data = self.cleaned_data
        preset = PRESETS[data["preset"]]
        return generation.GenerationRequest(
            prompt=data["prompt"],
            width=preset.width,
            height=preset.height,
            fps=preset.fps,
            frame_count=data["frame_count"],
            seed=data["seed"] if data["seed"] is not None else 0,
            style=data["style"],
            scene=data.get("scene", "") if data["provider"] == generation.PROCEDURAL else "",
        )


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ("name", "description", "visibility")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "visibility": "Unlisted: anyone with the link can open it; it is listed"
            " nowhere. Your unlisted and private artworks in it show only to you.",
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Give the collection a name.")
        return name


class ShareForm(forms.Form):
    expiry = forms.ChoiceField(
        label="Expires after",
        choices=[(key, label) for key, (label, _lifetime) in EXPIRY_CHOICES.items()],
        initial="7d",
    )
    max_views = forms.IntegerField(
        label="View limit",
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text="Empty: no limit.",
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Picture or animated GIF",
        help_text="PNG, JPEG, GIF or WebP.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
        error_messages={"required": "Choose an image to upload.", "empty": "The file is empty."},
    )


class ConversionForm(forms.Form):
    """How to turn a picture into characters; read from the query string for previews,
    from the POST for the conversion itself."""

    width = forms.IntegerField(
        label="Width in characters",
        min_value=frame_rules.MIN_WIDTH,
        max_value=frame_rules.MAX_WIDTH,
        initial=conversion.DEFAULT_WIDTH,
        help_text="The height follows the picture's shape.",
    )
    charset = forms.ChoiceField(
        label="Characters", choices=conversion.CHARSET_CHOICES, initial="standard"
    )
    brightness = forms.IntegerField(
        min_value=conversion.MIN_ADJUST,
        max_value=conversion.MAX_ADJUST,
        initial=0,
        widget=forms.NumberInput(attrs={"type": "range", "step": 5}),
    )
    contrast = forms.IntegerField(
        min_value=conversion.MIN_ADJUST,
        max_value=conversion.MAX_ADJUST,
        initial=0,
        widget=forms.NumberInput(attrs={"type": "range", "step": 5}),
    )
    invert = forms.BooleanField(
        required=False, help_text="Dark parts drawn dense: for light backgrounds."
    )
    dither = forms.BooleanField(required=False, help_text="Spreads shades into patterns.")
    edges = forms.BooleanField(
        label="Edges only", required=False, help_text="Outlines drawn with - | / \\."
    )

    @classmethod
    def from_query(cls, query) -> ConversionForm:
        """Bound to the query string when it has options, else unbound with defaults
        (which `options()` still answers)."""
        return cls(query) if "width" in query else cls()

    def options(self) -> conversion.ConversionOptions:
        """The options of a valid form, or the defaults of an unbound one."""
        if not self.is_bound:
            return conversion.ConversionOptions()
        data = self.cleaned_data
        return conversion.ConversionOptions(**{name: data[name] for name in self.fields})
