"""Settings pages, API keys, account deletion and public profiles."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from accounts import archives
from accounts.deletion import delete_account
from accounts.forms import ApiKeyForm, DeleteAccountForm, PreferencesForm, ProfileForm
from accounts.models import ApiKey, User, UserSettings
from config import ratelimit
from config.paging import CappedPaginator
from config.params import page_number
from config.responses import attachment, try_later
from gallery import pagecache
from gallery.exports import STORAGE_ERRORS
from gallery.models import Artwork, Collection

# How long a signed download URL of an archive works, in seconds.
ARCHIVE_URL_SECONDS = 60

# Session key holding the id of a key just added, so that the next page shows it once.
REVEAL_SESSION_KEY = "reveal_api_key"


def _render_settings(request, preferences=None, profile=None, status=200) -> HttpResponse:
    user_settings = UserSettings.for_user(request.user)
    context = {
        "preferences_form": preferences or PreferencesForm(instance=user_settings),
        "profile_form": profile or ProfileForm(instance=request.user),
        "section": "preferences",
    }
    return render(request, "accounts/settings.html", context, status=status)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_settings(request)
    form = PreferencesForm(request.POST, instance=UserSettings.for_user(request.user))
    if not form.is_valid():
        return _render_settings(request, preferences=form, status=400)
    form.save()
    messages.success(request, "Settings saved.")
    return redirect("accounts:settings")


@login_required
@require_POST
def profile_update(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST, instance=request.user)
    if not form.is_valid():
        # The form has already written the rejected values onto request.user; the
        # header must keep showing the saved name.
        request.user.refresh_from_db(fields=["name", "image_url"])
        return _render_settings(request, profile=form, status=400)
    form.save()
    messages.success(request, "Profile saved.")
    return redirect("accounts:settings")


@never_cache
@login_required
@sensitive_post_parameters("key")
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            api_key = form.save()
            request.session[REVEAL_SESSION_KEY] = api_key.pk
            messages.success(request, f"Key “{api_key.name}” added.")
            return redirect("accounts:api_keys")
        status = 400
    else:
        status = 200
    # The plaintext is shown on the one page view right after adding, never again.
    revealed = None
    reveal_pk = request.session.pop(REVEAL_SESSION_KEY, None)
    if reveal_pk is not None:
        revealed = request.user.api_keys.filter(pk=reveal_pk).first()
    context = {
        "form": form,
        "keys": request.user.api_keys.defer("key"),
        "revealed": revealed,
        "section": "api_keys",
    }
    return render(request, "accounts/api_keys.html", context, status=status)


@login_required
@require_POST
def api_key_delete(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey.objects.defer("key"), pk=pk, user=request.user)
    api_key.delete()
    messages.success(request, f"Key “{api_key.name}” deleted.")
    return redirect("accounts:api_keys")


@never_cache
@login_required
@reauthentication_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Deleting needs a fresh password or emailed code (allauth reauthentication),
    then the username typed out."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        delete_account(user)
        messages.success(request, "Your account and everything in it have been deleted.")
        return redirect("gallery:home")
    status = 400 if request.method == "POST" else 200
    counts = {
        "artworks": request.user.artworks.count(),
        "collections": request.user.collections.count(),
        "files": request.user.files.count(),
    }
    context = {"form": form, "counts": counts, "section": "delete"}
    return render(request, "accounts/delete.html", context, status=status)


def _storage_unavailable(request: HttpRequest) -> HttpResponse:
    return try_later(
        request,
        status=503,
        retry_after=60,
        heading="File storage is unreachable",
        message="Your archive cannot be reached right now. Try again soon.",
        back_url=reverse("accounts:archive"),
        back_label="Back to settings",
    )


@never_cache
@login_required
@require_safe
def archive(request: HttpRequest) -> HttpResponse:
    """Download everything: the state of the creator's archive (accounts/archives.py)."""
    try:
        state = archives.archive_state(request.user)
    except STORAGE_ERRORS:
        return _storage_unavailable(request)
    context = {
        "state": state,
        "keep_days": archives.ARCHIVE_KEEP_DAYS,
        "section": "archive",
    }
    return render(request, "accounts/archive.html", context)


@login_required
@require_POST
def archive_build(request: HttpRequest) -> HttpResponse:
    if archives.archive_state(request.user).status == "queued":
        messages.info(request, "Your archive is being built already.")
        return redirect("accounts:archive")
    wait = ratelimit.hit(
        "archive",
        ratelimit.client(request),
        limit=1,
        window=archives.ARCHIVE_RATE_WINDOW,
    )
    if wait is not None:
        return try_later(
            request,
            status=429,
            retry_after=wait,
            heading="One archive an hour",
            message="You asked for an archive a moment ago. Try again later.",
            back_url=reverse("accounts:archive"),
            back_label="Back to settings",
        )
    archives.defer_build(request.user, request.build_absolute_uri("/"))
    messages.success(request, "Your archive is being built. This page shows when it is ready.")
    return redirect("accounts:archive")


@never_cache
@login_required
@require_safe
def archive_download(request: HttpRequest, filename: str) -> HttpResponse:
    """The creator's own archive, saved as a file: a signed URL that expires in a
    minute on S3, else streamed from the storage."""
    try:
        found = archives.archive_for_user(request.user, filename)
        download_name = f"{request.user.username}-{found.created:%Y-%m-%d}.zip"
        if hasattr(default_storage, "bucket_name"):
            url = default_storage.url(
                found.name,
                parameters={
                    "ResponseContentDisposition": content_disposition_header(True, download_name),
                    "ResponseContentType": archives.CONTENT_TYPE,
                },
                expire=ARCHIVE_URL_SECONDS,
            )
            return redirect(url)
        stream = default_storage.open(found.name, "rb")
    except STORAGE_ERRORS:
        return _storage_unavailable(request)
    return attachment(stream, download_name, archives.CONTENT_TYPE)


@require_safe
@pagecache.for_visitors
def profile(request: HttpRequest, username: str) -> HttpResponse:
    owner = get_object_or_404(User.objects.with_username(username), is_active=True)
    if owner.username != username:
        return redirect("accounts:profile", username=owner.username, permanent=True)
    listed = Artwork.objects.listed().filter(owner=owner)
    totals = listed.aggregate(artworks=Count("pk"), likes=Coalesce(Sum("likes_count"), 0))
    cards = listed.as_cards().select_related("owner")
    paginator = CappedPaginator(cards, 24, count=totals["artworks"])
    page = paginator.get_page(page_number(request.GET.get("page")))
    collections = (
        Collection.objects.listed().filter(owner=owner).with_counts().order_by("-created_at")
    )
    context = {
        "profile_user": owner,
        "page": page,
        "collections": collections,
        "artwork_count": totals["artworks"],
        "total_likes": totals["likes"],
    }
    return render(request, "accounts/profile.html", context)
