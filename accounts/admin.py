from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm

from accounts.models import ApiKey, User, UserSettings


class UserCreationForm(DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "username", "name")


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserSettingsInline(admin.StackedInline):
    model = UserSettings
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    inlines = [UserSettingsInline]
    list_display = ("email", "username", "name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("email", "username", "name", "external_id")
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "username", "password")}),
        ("Profile", {"fields": ("name", "image_url", "external_id")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "name", "password1", "password2"),
            },
        ),
    )


@admin.register(UserSettings)
class UserSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "theme", "default_visibility", "email_notifications", "updated_at")
    list_filter = ("theme", "default_visibility", "email_notifications")
    search_fields = ("user__email", "user__name")
    autocomplete_fields = ("user",)
    readonly_fields = ("updated_at",)


class ApiKeyForm(forms.ModelForm):
    """The key is write-only: typed once (or replaced), never displayed."""

    new_key = forms.CharField(
        label="Key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current key; a new provider,"
        " base URL or owner needs the key typed in again.",
    )

    class Meta:
        model = ApiKey
        fields = ("user", "name", "provider", "base_url")

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("new_key"):
            self.add_error("new_key", "Enter the key.")
        return cleaned

    def _post_clean(self) -> None:
        # Before the model's clean(): a new provider or base URL needs the key typed in.
        if self.cleaned_data.get("new_key"):
            self.instance.enter_key(self.cleaned_data["new_key"])
        super()._post_clean()

    def _update_errors(self, errors) -> None:
        # The model names the key "key"; here it is typed into "new_key".
        if hasattr(errors, "error_dict") and "key" in errors.error_dict:
            errors.error_dict["new_key"] = errors.error_dict.pop("key")
        super()._update_errors(errors)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff can see that a key exists, replace or remove it, never read it."""

    form = ApiKeyForm
    list_display = ("name", "user", "provider", "masked", "created_at")
    list_filter = ("provider", "created_at")
    search_fields = ("name", "user__email")
    autocomplete_fields = ("user",)
    fields = ("user", "name", "provider", "base_url", "masked", "new_key", "created_at")
    readonly_fields = ("masked", "created_at")

    def get_queryset(self, request):
        # last4 is enough to list keys: never decrypt (one bad row must not break the list).
        return super().get_queryset(request).defer("key")

    @admin.display(description="current key")
    def masked(self, obj: ApiKey) -> str:
        return obj.masked if obj.pk else "—"
