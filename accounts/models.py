"""People: the user (email login, username for profile URLs), settings and API keys."""

from __future__ import annotations

import hashlib
import re

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from accounts.crypto import EncryptedTextField
from gallery.models import Visibility
from gallery.outbound import UnsafeURL, check_base_url

USERNAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$"


class HttpsURLField(models.URLField):
    """A URL field whose form treats "example.com/x" as https (Django 6's default)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


def _lower_equals(field: str, value: str) -> Exact:
    """field = value ignoring case, written as the unique indexes are: lower(field)."""
    return Exact(Lower(field), Lower(Value(value)))


class UserManager(DjangoUserManager):
    """Users sign in with their email; a username is derived from it when not given."""

    def _create_user(self, username, email, password, **extra_fields):
        email = self.normalize_email(email)
        if not email:
            raise ValueError("An email address is required.")
        username = username or self.available_username(email.split("@")[0])
        return super()._create_user(username, email, password, **extra_fields)

    def create_user(self, email=None, password=None, **extra_fields):
        username = extra_fields.pop("username", None)
        return super().create_user(username, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        username = extra_fields.pop("username", None)
        return super().create_superuser(username, email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(_lower_equals("email", email))

    def with_username(self, username: str) -> models.QuerySet:
        """The user of `username`, in any case, found through the lower(username)
        unique index (a plain username__iexact compiles to UPPER() and misses it)."""
        return self.filter(_lower_equals("username", username))

    def lock(self, user) -> None:
        """Hold `user`'s row until the transaction ends, so that what is counted under
        it (a rate limit, a storage quota) cannot change by a parallel request."""
        list(self.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))

    def available_username(self, wanted: str) -> str:
        """`wanted` cleaned to the username alphabet, with a number added if taken."""
        base = re.sub(r"[^A-Za-z0-9_-]", "", wanted).lstrip("_-")[:30] or "user"
        candidate, number = base, 1
        while self.with_username(candidate).exists():
            number += 1
            candidate = f"{base}{number}"
        return candidate


class User(AbstractUser):
    email = models.EmailField("email address", unique=True)
    username = models.CharField(
        max_length=39,
        unique=True,
        help_text="Shown in profile URLs: /u/<username>/. Letters, digits, - and _.",
        validators=[
            RegexValidator(
                USERNAME_PATTERN,
                "Use 1 to 39 letters, digits, - or _, starting with a letter or digit.",
            )
        ],
        error_messages={"unique": "That username is taken."},
    )
    name = models.CharField(max_length=150, blank=True)
    image_url = HttpsURLField("avatar URL", max_length=500, blank=True)
    # The user's id in the system the data was imported from (Clerk), if any.
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # `name` replaces Django's split first/last name.
    first_name = None
    last_name = None

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="A user with this email address already exists.",
            ),
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message="That username is taken.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def initials(self) -> str:
        words = self.name.split() if self.name.strip() else [self.username]
        letters = "".join(word[0] for word in words[:2]) if len(words) > 1 else words[0][:2]
        return letters.upper()

    @property
    def avatar_hue(self) -> int:
        """A stable colour for the generated avatar, from the username."""
        return int(hashlib.sha256(self.username.lower().encode()).hexdigest()[:4], 16) % 360


class Theme(models.TextChoices):
    SYSTEM = "system", "Follow the system"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class Provider(models.TextChoices):
    """AI providers a creator can bring a key for."""

    OPENROUTER = "openrouter", "OpenRouter"
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    GOOGLE = "google", "Google"
    OPENAI_COMPATIBLE = "openai-compatible", "OpenAI-compatible server"


class UserSettings(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="settings")
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    default_visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    email_notifications = models.BooleanField(default=True)
    preferred_provider = models.CharField(max_length=50, blank=True)
    preferred_model = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(theme__in=Theme.values), name="usersettings_theme_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(default_visibility__in=Visibility.values),
                name="usersettings_visibility_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Settings of {self.user}"

    @classmethod
    def for_user(cls, user: User) -> UserSettings:
        """The user's settings, created with the defaults on first use (cached on the
        user object for the rest of the request)."""
        try:
            return user.settings
        except cls.DoesNotExist:
            settings, _ = cls.objects.get_or_create(user=user)
            user.settings = settings
            return settings


REENTER_KEY = "Enter the key again to send it to another provider, server or account."


class ApiKey(models.Model):
    """A creator's own key for an AI provider (bring your own key).

    `key` is plaintext in Python and encrypted in the database; after it is first
    shown, the site only ever displays `last4`.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    provider = models.CharField(max_length=30, choices=Provider.choices)
    base_url = HttpsURLField(
        blank=True, help_text="Only for an OpenAI-compatible server: its API base URL."
    )
    key = EncryptedTextField()
    last4 = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__in=Provider.values),
                name="apikey_provider_valid",
            ),
            models.UniqueConstraint(
                "user",
                Lower("name"),
                name="apikey_name_unique_per_user",
                violation_error_message="You already have a key with this name.",
            ),
        ]

    # Set by enter_key(): a person typed this key in (not just loaded from the database).
    _key_entered = False

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()}, {self.masked})"

    def save(self, *args, **kwargs) -> None:
        if self.must_reenter_key():
            raise ValidationError(REENTER_KEY)
        if "key" not in self.get_deferred_fields():
            self.last4 = (self.key or "")[-4:]
        super().save(*args, **kwargs)
        self._key_entered = False

    def enter_key(self, plaintext: str) -> None:
        """The key as a person typed it. Forms use this, so that the key may be sent to
        the provider and base URL they chose along with it."""
        self.key = plaintext
        self._key_entered = True

    def destination_changed(self) -> bool:
        """Whether the key would now go to another provider or server, or serve another
        account, than the one it was saved for."""
        if self._state.adding or self.pk is None:
            return True
        saved = (
            ApiKey.objects.filter(pk=self.pk).values_list("user_id", "provider", "base_url").first()
        )
        return saved != (self.user_id, self.provider, self.base_url)

    def must_reenter_key(self) -> bool:
        """A stored key goes nowhere new unless it is typed in again: else whoever may
        edit the row (staff) could redirect the key to a server of theirs and read it
        from the Authorization header, or hand it to another account to spend."""
        return not self._state.adding and not self._key_entered and self.destination_changed()

    def clean(self) -> None:
        errors = {}
        if self.provider == Provider.OPENAI_COMPATIBLE and not self.base_url:
            errors["base_url"] = "An OpenAI-compatible server needs its base URL."
        elif self.provider and self.provider != Provider.OPENAI_COMPATIBLE and self.base_url:
            errors["base_url"] = "Only OpenAI-compatible servers take a base URL."
        elif self.base_url and self.destination_changed():
            try:
                check_base_url(self.base_url)
            except UnsafeURL as error:
                errors["base_url"] = str(error)
        if not errors and self.must_reenter_key():
            errors["key"] = REENTER_KEY
        if errors:
            raise ValidationError(errors)

    @property
    def masked(self) -> str:
        return f"....{self.last4}"
