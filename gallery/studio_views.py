"""The creator studio: one's own artworks and collections, the editor, generation.

Every view here works on the signed-in creator's own objects, fetched through the
`_own_*` helpers: anyone else gets a 404, never a hint that the object exists.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import UserSettings
from config.paging import CappedPaginator
from config.params import InvalidNumber, page_number, parse_int
from gallery import access, generation, tasks, uploads
from gallery import frames as frame_rules
from gallery.forms import (
    PRESETS,
    ArtworkForm,
    CollectionForm,
    GenerateForm,
    ShareForm,
    UploadForm,
)
from gallery.generation.jobs import run_generation_job
from gallery.models import Artwork, CollectionItem, Generation, Share, Visibility
from gallery.shares import create_share

STUDIO_PAGE_SIZE = 24


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's `next` if it is a path on this site, else `default`.
    (Not `redirect(next)`, which would first try it as a view name.)"""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return HttpResponseRedirect(target)
    return redirect(default)


# --- Artworks ------------------------------------------------------------------------


@login_required
def studio(request: HttpRequest) -> HttpResponse:
    artworks = Artwork.objects.filter(owner=request.user)
    visibility = request.GET.get("visibility", "")
    if visibility in Visibility.values:
        artworks = artworks.filter(visibility=visibility)
    else:
        visibility = ""
    query = request.GET.get("q", "").strip()[:200]
    artworks = artworks.search(query) if query else artworks.order_by("-created_at", "-id")
    paginator = CappedPaginator(artworks.as_cards(), STUDIO_PAGE_SIZE)
    page = paginator.get_page(page_number(request.GET.get("page")))
    context = {
        "page": page,
        "query": query,
        "visibility": visibility,
        "visibilities": Visibility.choices,
        "collections": request.user.collections.order_by("name"),
        "total": request.user.artworks.count(),
        # So that a creator who left a progress page still learns how it ended.
        # (Conversions have the pictures page.)
        "recent_generations": request.user.generations.prompted().recent(),
    }
    return render(request, "studio/studio.html", context)


def _render_editor(request, form: ArtworkForm, artwork: Artwork | None = None, status=200):
    remix_source = form.remix_source or (artwork.remixed_from if artwork else None)
    context = {
        "form": form,
        "artwork": artwork,
        "presets": PRESETS,
        "separator": frame_rules.FRAME_SEPARATOR,
        "min_fps": frame_rules.MIN_FPS,
        "max_fps": frame_rules.MAX_FPS,
        "max_frames": frame_rules.MAX_FRAMES,
        "max_width": frame_rules.MAX_WIDTH,
        "max_height": frame_rules.MAX_HEIGHT,
        "remix_source": remix_source,
        "remix_link": remix_source is not None and access.may_link(request.user, remix_source),
        # "Start from a picture" posts to the pictures page (its own ids: two forms).
        "upload_form": UploadForm(auto_id="picture_%s"),
    }
    return render(request, "studio/editor.html", context, status=status)


def _after_save(request: HttpRequest, form: ArtworkForm, artwork: Artwork) -> HttpResponse:
    """The artwork's page; the editor again when the import has a note (a recording cut
    to fit), so the creator reads it beside the frames it speaks of."""
    if not form.notes:
        return redirect(artwork)
    for note in form.notes:
        messages.warning(request, note)
    return redirect("gallery:studio_edit", artwork.public_id)


@login_required
def artwork_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ArtworkForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            artwork = form.save()
            messages.success(request, "Artwork saved.")
            return _after_save(request, form, artwork)
        return _render_editor(request, form, status=400)
    initial = {}
    if "generation" in request.GET:
        initial = _initial_from_generation(request, request.GET["generation"])
    return _render_editor(request, ArtworkForm(user=request.user, initial=initial))


def _initial_from_generation(request: HttpRequest, generation_id: str) -> dict:
    """The editor's fields from one of the creator's successful generations."""
    try:
        pk = parse_int(generation_id, low=1)
    except InvalidNumber:
        pk = None
    if pk is None:
        raise Http404("No such generation.")
    attempt = get_object_or_404(
        Generation, pk=pk, user=request.user, status=Generation.Status.DONE, result__isnull=False
    )
    result = attempt.result
    source = uploads.conversion_file(attempt, request.user)
    return {
        "from_file": source.pk if source else None,
        "prompt": attempt.prompt,
        "frames_text": frame_rules.join_frames(result["frames"]),
        "width": result["width"],
        "height": result["height"],
        "fps": result["fps"],
        "style": result.get("style", ""),
        "generator": attempt.provider,
        "model": attempt.model,
    }


@login_required
def artwork_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    artwork = access.own_artwork(request.user, public_id)
    if request.method == "POST":
        form = ArtworkForm(request.POST, request.FILES, instance=artwork, user=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, "Changes saved.")
            return _after_save(request, form, artwork)
        return _render_editor(request, form, artwork, status=400)
    return _render_editor(request, ArtworkForm(instance=artwork, user=request.user), artwork)


@login_required
def artwork_remix(request: HttpRequest, public_id: str) -> HttpResponse:
    """A new artwork in the editor, starting from one the creator may see."""
    source = access.artwork_for_viewer(request.user, public_id)
    form = ArtworkForm(
        user=request.user,
        initial={
            "prompt": f"Remix of {source.prompt}"[: frame_rules.MAX_PROMPT],
            "frames_text": frame_rules.join_frames(source.frames),
            "width": source.width,
            "height": source.height,
            "fps": source.fps,
            "style": source.style,
            "remix_of": source.public_id,
            "generator": "remix",
        },
    )
    form.remix_source = source
    return _render_editor(request, form)


@login_required
def artwork_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    artwork = access.own_artwork(request.user, public_id)
    if request.method == "POST":
        artwork.delete()
        messages.success(request, "Artwork deleted.")
        return redirect("gallery:studio")
    context = {
        "artwork": artwork,
        "shares": artwork.shares.count(),
        "files": artwork.files.count(),
        "collections": artwork.collection_items.count(),
    }
    return render(request, "studio/artwork_delete.html", context)


@login_required
@require_POST
def artwork_visibility(request: HttpRequest, public_id: str) -> HttpResponse:
    artwork = access.own_artwork(request.user, public_id)
    visibility = request.POST.get("visibility")
    if visibility not in Visibility.values:
        messages.error(request, "Choose public, unlisted or private.")
        return _back(request, reverse("gallery:studio"))
    Artwork.objects.filter(pk=artwork.pk).set_visibility(visibility)
    messages.success(request, f"“{artwork.prompt[:60]}” is now {visibility}.")
    return _back(request, reverse("gallery:studio"))


# --- Share links ----------------------------------------------------------------------


@never_cache
@login_required
def artwork_shares(request: HttpRequest, public_id: str) -> HttpResponse:
    artwork = access.own_artwork(request.user, public_id)
    form = ShareForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            create_share(
                artwork,
                expiry=form.cleaned_data["expiry"],
                max_views=form.cleaned_data["max_views"],
            )
            messages.success(request, "Share link created. Copy it below.")
            return redirect("gallery:studio_shares", public_id=artwork.public_id)
        status = 400
    else:
        status = 200
    context = {"artwork": artwork, "form": form, "shares": artwork.shares.order_by("-created_at")}
    return render(request, "studio/shares.html", context, status=status)


@login_required
@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    share = get_object_or_404(Share.objects.select_related("artwork"), pk=pk,
                              artwork__owner=request.user)  # fmt: skip
    if Share.objects.filter(pk=share.pk).revoke():
        messages.success(request, "Share link revoked. It now answers “gone”.")
    return redirect("gallery:studio_shares", public_id=share.artwork.public_id)


# --- Generation ------------------------------------------------------------------------


@login_required
def generate(request: HttpRequest) -> HttpResponse:
    """Queue a generation from a prompt and answer at once with its progress page; a
    worker runs it (gallery/generation/jobs.py)."""
    providers = generation.available_providers(request.user)
    user_settings = UserSettings.for_user(request.user)
    initial = {"provider": user_settings.preferred_provider or "procedural",
               "model": user_settings.preferred_model}  # fmt: skip
    form = GenerateForm(
        request.POST or None, initial=initial, providers=providers, models=settings.AI_MODELS
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attempt = generation.queue_generation(
                request.user, data["provider"], data.get("model", ""), form.generation_request()
            )
        except generation.RateLimited as error:
            form.add_error(None, str(error))
        else:
            tasks.defer_on_commit(run_generation_job, generation_id=attempt.pk)
            return redirect("gallery:studio_generation", pk=attempt.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "studio/generate.html", {"form": form}, status=status)


def _own_generation(user, pk: int) -> Generation:
    """One of the user's generations, without its frames; 404 for anyone else's."""
    return get_object_or_404(Generation.objects.defer("result", "request"), pk=pk, user=user)


def _editor_url(attempt: Generation) -> str:
    return f"{reverse('gallery:studio_new')}?generation={attempt.pk}"


@never_cache
@login_required
def generation_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a queued generation is: the page refreshes itself (a script, or a meta
    refresh without one) until it is done, then the result opens in the editor."""
    attempt = _own_generation(request.user, pk)
    if attempt.status == Generation.Status.DONE:
        # The editor is one redirect away, so that a reload never generates again.
        done = "Converted" if attempt.is_conversion else "Generated"
        # What the result says of itself ("the snow scene, picked by the word..."),
        # read alone: the frames stay in the database until the editor asks.
        note = Generation.objects.filter(pk=pk).values_list(KT("result__note"), flat=True)[0]
        how = f" with {note}" if note else ""
        messages.info(request, f"{done}{how}. Review the frames, then save.")
        return redirect(_editor_url(attempt))
    return render(request, "studio/generation.html", {"generation": attempt})


@never_cache
def generation_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress page's script polls this. Signed out (the session ended), the script
    gets a 401 it can read rather than the login page: it then reloads the page, which
    sends the visitor to log in. A person opening the URL is sent there at once."""
    if not request.user.is_authenticated:
        if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
            return JsonResponse({"error": "Log in again to follow this generation."}, status=401)
        return redirect_to_login(request.get_full_path())
    attempt = _own_generation(request.user, pk)
    return JsonResponse(
        {
            "status": attempt.status,
            "label": attempt.get_status_display(),
            "error": attempt.error,
            "editor_url": _editor_url(attempt) if attempt.success else None,
        }
    )


@login_required
def generations(request: HttpRequest) -> HttpResponse:
    # The results' frames stay in the database; the log only needs to know there is one.
    rows = (
        Generation.objects.filter(user=request.user)
        .defer("result", "request")
        .annotate(has_result=Q(result__isnull=False))
        .order_by("-created_at", "-id")
    )
    page = CappedPaginator(rows, 50).get_page(page_number(request.GET.get("page")))
    return render(request, "studio/generations.html", {"page": page})


# --- Collections -----------------------------------------------------------------------


@login_required
def collections(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            collection = form.save(commit=False)
            collection.owner = request.user
            collection.save()
            messages.success(request, f"Collection “{collection.name}” created.")
            return redirect("gallery:studio_collection", public_id=collection.public_id)
        status = 400
    else:
        status = 200
    own = request.user.collections.with_counts().order_by("-updated_at")
    return render(
        request, "studio/collections.html", {"form": form, "collections": own}, status=status
    )


@login_required
def collection_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    collection = access.own_collection(request.user, public_id)
    form = CollectionForm(request.POST or None, instance=collection)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Collection saved.")
            return redirect("gallery:studio_collection", public_id=collection.public_id)
        status = 400
    else:
        status = 200
    items = list(
        collection.items.select_related("artwork").defer(
            "artwork__frames", "artwork__search_vector"
        )
    )
    # Someone else's artwork that is no longer public stays a nameless placeholder, so
    # that the owner can remove it without learning anything about it.
    listed = set(access.collection_items_for(request.user, collection).values_list("pk", flat=True))
    for item in items:
        item.available = item.artwork_id in listed
    context = {"collection": collection, "form": form, "items": items}
    return render(request, "studio/collection_edit.html", context, status=status)


@login_required
def collection_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    collection = access.own_collection(request.user, public_id)
    if request.method == "POST":
        collection.delete()
        messages.success(request, f"Collection “{collection.name}” deleted; its artworks stay.")
        return redirect("gallery:studio_collections")
    return render(request, "studio/collection_delete.html", {"collection": collection})


@login_required
@require_POST
def collection_add(request: HttpRequest) -> HttpResponse:
    """Add an artwork (from its page or the studio) to one of the creator's collections."""
    collection = access.own_collection(request.user, request.POST.get("collection", ""))
    artwork = access.artwork_for_viewer(request.user, request.POST.get("artwork", ""))
    if not collection.can_include(artwork):
        messages.error(request, "Only public artworks, or your own, can go in a collection.")
    elif collection.items.filter(artwork=artwork).exists():
        messages.info(request, f"Already in “{collection.name}”: nothing was added.")
    else:
        collection.append(artwork)
        messages.success(request, f"Added to “{collection.name}”.")
    return _back(request, collection.get_absolute_url())


@login_required
@require_POST
def collection_remove(request: HttpRequest, public_id: str, item_id: int) -> HttpResponse:
    collection = access.own_collection(request.user, public_id)
    item = get_object_or_404(CollectionItem, pk=item_id, collection=collection)
    item.delete()
    messages.success(request, "Removed from the collection.")
    return redirect("gallery:studio_collection", public_id=collection.public_id)


@login_required
@require_POST
def collection_move(request: HttpRequest, public_id: str, item_id: int) -> HttpResponse:
    """Move an item one place (direction=up|down) or to a place (position=N, from 1)."""
    collection = access.own_collection(request.user, public_id)
    item = get_object_or_404(CollectionItem, pk=item_id, collection=collection)
    if "position" in request.POST:
        try:
            collection.move_to(item, int(request.POST["position"]) - 1)
        except (ValueError, IndexError):
            count = collection.items.count()
            return HttpResponse(f"position must be a whole number from 1 to {count}", status=400)
    else:
        offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
        if offset is None:
            return HttpResponse("direction must be up or down, or a position given", status=400)
        collection.move(item, offset)
    return redirect(
        reverse("gallery:studio_collection", args=[collection.public_id]) + f"#item-{item.pk}"
    )
