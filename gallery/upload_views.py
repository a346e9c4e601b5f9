"""The studio's files: upload pictures, convert them to ASCII, download or delete them.

Every view works on the signed-in creator's own files (access.own_file): anyone
else's is a 404. The rules live in gallery/uploads.py and gallery/conversion.py.
"""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from config import ratelimit
from config.paging import CappedPaginator
from config.params import page_number
from config.responses import attachment, try_later
from gallery import access, tasks, uploads
from gallery.conversion import ConversionError, ConversionOptions
from gallery.forms import ConversionForm, UploadForm
from gallery.models import File

FILES_PAGE_SIZE = 24


class Limit(NamedTuple):
    setting: str  # the setting that holds how many
    window: int  # per this many seconds
    noun: str  # what is counted, for the 429 page


# What a creator may do how often (config/ratelimit.py). Looking at a picture's page
# costs nothing; a preview converts once, a conversion may start a job.
LIMITS = {
    "upload": Limit("UPLOAD_RATE_LIMIT", 3600, "uploads"),
    "preview": Limit("CONVERSION_PREVIEW_RATE_LIMIT", 600, "previews"),
    "convert": Limit("CONVERSION_RATE_LIMIT", 600, "conversions"),
}


def _wait(request: HttpRequest, scope: str) -> int | None:
    """Count one `scope` action of the creator: None within the limit, else the seconds
    until it lifts."""
    limit = LIMITS[scope]
    count = getattr(settings, limit.setting)
    return ratelimit.hit(scope, ratelimit.client(request), limit=count, window=limit.window)


def _too_many(request: HttpRequest, scope: str, wait: int) -> HttpResponse:
    limit = LIMITS[scope]
    minutes = max(1, -(-wait // 60))
    return try_later(
        request,
        status=429,
        retry_after=wait,
        heading=f"Too many {limit.noun}",
        message=f"You have reached the limit of {getattr(settings, limit.setting)}"
        f" {limit.noun} for now, so nothing was done. Try again in"
        f" {minutes} minute{'s' if minutes > 1 else ''}.",
        back_url=reverse("gallery:studio_files"),
        back_label="Back to your files",
    )


@login_required
def files(request: HttpRequest) -> HttpResponse:
    """The creator's uploads with their usage of the quota, and the upload form."""
    form = UploadForm()
    status = 200
    if request.method == "POST":
        wait = _wait(request, "upload")
        if wait:
            return _too_many(request, "upload", wait)
        form = UploadForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                upload = uploads.store_upload(request.user, form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
            except uploads.StorageUnavailable as error:
                form.add_error(None, str(error))
                status = 503
            else:
                messages.success(request, f"Uploaded “{upload.filename}”. Now convert it.")
                return redirect("gallery:studio_file", pk=upload.pk)
    rows = (
        File.objects.filter(owner=request.user)
        .defer("thumbnail")
        .select_related("artwork")
        .defer("artwork__frames", "artwork__search_vector")
    )
    page = CappedPaginator(rows, FILES_PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    context = {
        "form": form,
        "page": page,
        "usage": uploads.usage(request.user),
        "max_upload": settings.UPLOAD_MAX_BYTES,
    }
    return render(request, "studio/files.html", context, status=status)


@login_required
def file_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """One upload: its conversion options with a preview, and the conversion itself.
    The form posts with `action=preview` (show the preview of these options; without
    JavaScript) or `action=convert`, which opens the result in the editor or, for a
    large animation, the progress page of its background job. A GET may carry the
    options in its query string."""
    file = access.own_file(request.user, pk)
    if request.method == "POST":
        scope = "convert" if request.POST.get("action") == "convert" else "preview"
        wait = _wait(request, scope)
        if wait:
            return _too_many(request, scope, wait)
        form = ConversionForm(request.POST)
    else:
        form = ConversionForm.from_query(request.GET)
    if form.is_bound and not form.is_valid():
        return _render_convert(request, file, form, status=400)
    if request.method != "POST" or request.POST.get("action") != "convert":
        return _render_convert(request, file, form)
    attempt = uploads.start_conversion(request.user, file, form.options())
    if not attempt.is_finished:
        tasks.defer_on_commit(tasks.convert_upload, generation_id=attempt.pk)
        return redirect("gallery:studio_generation", pk=attempt.pk)
    if attempt.status == attempt.Status.DONE:
        messages.info(request, "Converted. Review the frames, then save.")
        return redirect(f"{reverse('gallery:studio_new')}?generation={attempt.pk}")
    form.add_error(None, attempt.error)
    status = 503 if attempt.error == uploads.STORAGE_UNREADABLE else 400
    return _render_convert(request, file, form, status=status)


def _render_convert(request, file: File, form: ConversionForm, status: int = 200):
    usable = not form.is_bound or form.is_valid()
    options = form.options() if usable else ConversionOptions()
    preview, partial, error = None, False, ""
    if usable:
        try:
            preview, partial = uploads.preview(file, options)
        except (ConversionError, uploads.StorageUnavailable) as failure:
            error = str(failure)
            status = 503 if isinstance(failure, uploads.StorageUnavailable) else 400
    context = {
        "file": file,
        "form": form,
        "preview": preview,
        "partial": partial,
        "preview_error": error,
        "in_background": not uploads.is_small(file, options),
    }
    return render(request, "studio/file_convert.html", context, status=status)


@require_GET
@login_required
def file_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The convert page's script asks this for the preview of the options chosen."""
    file = access.own_file(request.user, pk)
    wait = _wait(request, "preview")
    if wait:
        response = JsonResponse(
            {"error": "Too many previews for now: the preview updates again in a few minutes."},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    form = ConversionForm(request.GET)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return JsonResponse({"error": " ".join(errors)}, status=400)
    try:
        result, partial = uploads.preview(file, form.options())
    except ConversionError as error:
        return JsonResponse({"error": str(error)}, status=400)
    except uploads.StorageUnavailable as error:
        return JsonResponse({"error": str(error)}, status=503)
    data = result.as_result()
    del data["style"]
    # Block characters as they are, not as six-byte escapes.
    return JsonResponse({**data, "partial": partial}, json_dumps_params={"ensure_ascii": False})


@require_GET
@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The original upload, saved under its name: a signed URL on S3 that works for a
    minute, else streamed here as an attachment (never shown inline)."""
    file = access.own_file(request.user, pk)
    try:
        url = uploads.download_url(file)
        if url is not None:
            return redirect(url)
        stream = file.file.open("rb")
    except uploads.STORAGE_ERRORS:
        return try_later(
            request,
            status=503,
            retry_after=60,
            heading="File storage is unreachable",
            message="The file cannot be fetched right now. Try again soon.",
            back_url=reverse("gallery:studio_files"),
            back_label="Back to your files",
        )
    return attachment(stream, file.filename, file.mime_type)


@require_GET
@login_required
def file_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """The small WebP drawn at upload (ours, so safe to show inline)."""
    file = access.own_file(request.user, pk, defer=())
    if not file.thumbnail:
        raise Http404("This picture has no thumbnail.")
    response = HttpResponse(bytes(file.thumbnail), content_type="image/webp")
    patch_cache_control(response, private=True, max_age=86400)
    return response


@login_required
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.own_file(request.user, pk)
    if request.method == "POST":
        uploads.delete_upload(file)
        messages.success(request, f"Deleted “{file.filename}”.")
        return redirect("gallery:studio_files")
    return render(request, "studio/file_delete.html", {"file": file})
