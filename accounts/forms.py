"""Forms behind /settings/: preferences, profile, API keys, account deletion."""

from __future__ import annotations

from django import forms
from django.conf import settings

from accounts.models import ApiKey, Provider, User, UserSettings


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [("", "No preference")] + [(value, value) for value in values]


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = UserSettings
        fields = ("theme", "default_visibility", "email_notifications", "preferred_provider",
                  "preferred_model")  # fmt: skip
        labels = {
            "default_visibility": "Visibility of new artworks",
            "email_notifications": "Email me about activity on my artworks",
        }
        widgets = {"theme": forms.RadioSelect, "default_visibility": forms.RadioSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from settings, so a deployment can offer its own list.
        self.fields["preferred_provider"] = forms.ChoiceField(
            label="Preferred provider", choices=_choices(settings.AI_PROVIDERS), required=False
        )
        self.fields["preferred_model"] = forms.ChoiceField(
            label="Preferred model", choices=_choices(settings.AI_MODELS), required=False
        )


class ProfileForm(forms.ModelForm):
    def clean_image_url(self) -> str:
        url = self.cleaned_data["image_url"]
        if url and not url.startswith("https://"):
            raise forms.ValidationError("Use an https:// image address.")
        return url

    class Meta:
        model = User
        fields = ("name", "image_url")
        labels = {"name": "Display name", "image_url": "Avatar image URL"}
        help_texts = {
            "name": "Shown on your profile and artworks instead of your username.",
            "image_url": "Leave empty for a generated avatar.",
        }


class ApiKeyForm(forms.ModelForm):
    key = forms.CharField(
        label="Key",
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. You will see it once, then only its last 4 characters.",
    )

    class Meta:
        model = ApiKey
        fields = ("name", "provider", "base_url", "key")
        labels = {"base_url": "Base URL"}
        help_texts = {"base_url": "Only for an OpenAI-compatible server, e.g. https://host/v1"}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.user = user
        self.fields["provider"].choices = [("", "Choose a provider"), *Provider.choices]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if len(key) < 8 or any(char.isspace() for char in key):
            raise forms.ValidationError("That does not look like an API key.")
        self.instance.enter_key(key)
        return key

    def clean(self):
        # Provider and base URL rules: ApiKey.clean(), for the admin's form as well.
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and ApiKey.objects.filter(user=self.instance.user, name__iexact=name).exists():
            self.add_error("name", "You already have a key with this name.")
        return cleaned


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label="Type your username to confirm",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed.lower() != self.user.username.lower():
            raise forms.ValidationError("That is not your username.")
        return typed
