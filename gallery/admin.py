"""Django admin for the people who run the site."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.text import Truncator
from procrastinate.contrib.django import app as jobs_app
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob

from config.responses import attachment, try_later
from gallery import convex_import, tasks, uploads
from gallery.models import (
    FEATURABLE,
    Artwork,
    ArtworkEmbedding,
    Collection,
    CollectionItem,
    ConvexImportRun,
    File,
    Generation,
    Like,
    Share,
    Visibility,
)

# Up to 500 frames and a tsvector per artwork: never loaded for a list of related rows.
ARTWORK_HEAVY_FIELDS = ("artwork__frames", "artwork__search_vector")


class DateSafeChangeList(ChangeList):
    """A date-hierarchy link edited out of range (year 9999, day 2147483648) makes
    Django's own filter code raise (ticket #37357); it is a bad lookup like any other:
    the admin answers with its "?e=1" redirect, never a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class DateHierarchyAdmin(admin.ModelAdmin):
    def get_changelist(self, request, **kwargs):
        return DateSafeChangeList


def _short(text: str, length: int = 60) -> str:
    return Truncator(text).chars(length)


class ShareInline(admin.TabularInline):
    model = Share
    extra = 0
    fields = ("code", "status", "view_count", "max_views", "expires_at", "revoked_at", "created_at")
    readonly_fields = ("code", "status", "view_count", "revoked_at", "created_at")
    show_change_link = True

    @admin.display(description="status")
    def status(self, obj: Share) -> str:
        return obj.get_status_display() if obj.pk else "—"


class FileInline(admin.TabularInline):
    model = File
    extra = 0
    fields = ("filename", "mime_type", "size", "owner", "created_at")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")

    def has_add_permission(self, request, obj=None) -> bool:
        # Files arrive through uploads, which sniff and size-check them.
        return False


def _set_visibility(modeladmin, request, queryset: QuerySet, visibility: str) -> None:
    changed = queryset.set_visibility(visibility)
    label = Visibility(visibility).label.lower()
    modeladmin.message_user(request, f"{changed} artwork(s) made {label}.", messages.SUCCESS)


@admin.register(Artwork)
class ArtworkAdmin(DateHierarchyAdmin):
    list_display = (
        "public_id",
        "short_prompt",
        "owner",
        "visibility",
        "featured",
        "frame_count",
        "size",
        "fps",
        "likes_count",
        "views_count",
        "created_at",
    )
    list_display_links = ("public_id", "short_prompt")
    list_filter = ("visibility", "featured", "generator", "created_at", "updated_at")
    search_fields = ("public_id", "prompt", "owner__email", "owner__username")
    autocomplete_fields = ("owner",)
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    readonly_fields = (
        "public_id",
        "preview",
        "likes_count",
        "views_count",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("public_id", "owner", "prompt", "visibility", "featured")}),
        ("Animation", {"fields": ("preview", "frames", "width", "height", "fps")}),
        ("Origin", {"fields": ("generator", "model", "style")}),
        (
            "Counters and dates",
            {"fields": ("likes_count", "views_count", "created_at", "updated_at")},
        ),
    )
    inlines = [ShareInline, FileInline]
    actions = ["feature", "unfeature", "make_public", "make_unlisted", "make_private"]

    def get_queryset(self, request):
        # The changelist shows counts, not frames: keep up to 500 frames per row out of it.
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.as_cards()
        return queryset

    @admin.display(description="prompt", ordering="prompt")
    def short_prompt(self, obj: Artwork) -> str:
        return _short(obj.prompt)

    @admin.display(description="size")
    def size(self, obj: Artwork) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description="first frame")
    def preview(self, obj: Artwork) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<pre style="font-family: ui-monospace, monospace; font-size: 11px;'
            " line-height: 1.1; margin: 0; padding: 8px; overflow: auto; max-height: 420px;"
            ' background: #0f1115; color: #d8dee9;">{}</pre>',
            obj.poster_frame,
        )

    @admin.action(
        description="Feature the selected artworks (public ones only)", permissions=["change"]
    )
    def feature(self, request, queryset: QuerySet) -> None:
        changed = queryset.feature()
        skipped = queryset.exclude(FEATURABLE).count()
        self.message_user(request, f"{changed} artwork(s) featured.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} unlisted or private artwork(s) skipped: only public ones are featured.",
                messages.WARNING,
            )

    @admin.action(description="Unfeature the selected artworks", permissions=["change"])
    def unfeature(self, request, queryset: QuerySet) -> None:
        changed = queryset.unfeature()
        self.message_user(request, f"{changed} artwork(s) unfeatured.", messages.SUCCESS)

    @admin.action(description="Make the selected artworks public", permissions=["change"])
    def make_public(self, request, queryset: QuerySet) -> None:
        _set_visibility(self, request, queryset, Visibility.PUBLIC)

    @admin.action(description="Make the selected artworks unlisted", permissions=["change"])
    def make_unlisted(self, request, queryset: QuerySet) -> None:
        _set_visibility(self, request, queryset, Visibility.UNLISTED)

    @admin.action(description="Make the selected artworks private", permissions=["change"])
    def make_private(self, request, queryset: QuerySet) -> None:
        _set_visibility(self, request, queryset, Visibility.PRIVATE)


@admin.register(ArtworkEmbedding)
class ArtworkEmbeddingAdmin(admin.ModelAdmin):
    list_display = ("artwork", "model", "created_at")
    list_filter = ("model", "created_at")
    search_fields = ("artwork__prompt", "artwork__public_id", "model")
    autocomplete_fields = ("artwork",)
    list_select_related = ("artwork",)
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer(*ARTWORK_HEAVY_FIELDS)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("embedding")  # 1536 numbers a row, not shown
        return queryset


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 0
    fields = ("position", "artwork", "added_at")
    readonly_fields = ("added_at",)
    # A raw id, not a select: rendering each row's choice would load its frames.
    raw_id_fields = ("artwork",)
    ordering = ("position",)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "owner", "visibility", "item_count", "created_at")
    list_filter = ("visibility", "created_at")
    search_fields = ("name", "description", "public_id", "owner__email")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
    readonly_fields = ("public_id", "created_at", "updated_at")
    inlines = [CollectionItemInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(item_total=Count("items"))

    @admin.display(description="artworks", ordering="item_total")
    def item_count(self, obj: Collection) -> int:
        return obj.item_total


class ShareStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("ended", "Expired, used up or revoked")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.live()
        if self.value() == "ended":
            return queryset.exclude(pk__in=queryset.live().values("pk"))
        return queryset


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = (
        "short_code",
        "artwork",
        "status",
        "view_count",
        "max_views",
        "expires_at",
        "revoked_at",
        "created_at",
    )
    list_filter = (ShareStatusFilter, "created_at", "expires_at", "revoked_at")
    search_fields = ("code", "artwork__prompt", "artwork__public_id", "artwork__owner__email")
    autocomplete_fields = ("artwork",)
    list_select_related = ("artwork",)
    readonly_fields = ("code", "status", "view_count", "revoked_at", "created_at")
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*ARTWORK_HEAVY_FIELDS)

    def save_model(self, request, obj, form, change) -> None:
        # Only what staff changed: the view count and revocation may have moved on
        # since the form was loaded, and must not be written back.
        if not change:
            obj.save()
        elif form.changed_data:
            obj.save(update_fields=form.changed_data)

    @admin.display(description="code")
    def short_code(self, obj: Share) -> str:
        return f"{obj.code[:10]}…"

    @admin.display(description="status")
    def status(self, obj: Share) -> str:
        return obj.get_status_display() if obj.pk else "—"

    @admin.action(description="Revoke the selected share links", permissions=["change"])
    def revoke(self, request, queryset: QuerySet) -> None:
        changed = queryset.revoke()
        self.message_user(request, f"{changed} share link(s) revoked.", messages.SUCCESS)


@admin.register(Generation)
class GenerationAdmin(DateHierarchyAdmin):
    list_display = (
        "created_at",
        "user",
        "short_prompt",
        "provider",
        "model",
        "status",
        "duration_ms",
        "cost",
    )
    list_filter = ("status", "provider", "model", "created_at")
    search_fields = ("prompt", "user__email", "model", "error")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "started_at", "finished_at")

    @admin.display(description="prompt")
    def short_prompt(self, obj: Generation) -> str:
        return _short(obj.prompt)


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    """Uploads with their thumbnail (a WebP we drew) and a download link. The upload
    itself is never shown inline: it is only handed out as an attachment."""

    list_display = (
        "filename",
        "owner",
        "mime_type",
        "human_size",
        "dimensions",
        "artwork",
        "created_at",
        "thumbnail_image",
        "download_link",
    )
    list_filter = ("mime_type", "created_at")
    search_fields = ("filename", "file", "owner__email", "artwork__public_id")
    autocomplete_fields = ("owner", "artwork")
    list_select_related = ("owner", "artwork")

    def get_queryset(self, request):
        # The thumbnail's bytes are read by its own URL only; the pages need to know
        # whether there is one.
        queryset = super().get_queryset(request).defer(*ARTWORK_HEAVY_FIELDS)
        queryset = queryset.annotate(thumbnail_bytes=Length("thumbnail"))
        if request.resolver_match and request.resolver_match.url_name.endswith("_thumbnail"):
            return queryset
        return queryset.defer("thumbnail")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("file", "owner", "artwork", "filename", "mime_type", "size", "created_at")
        # A stored file is never replaced in place (delete the row and upload anew, so
        # that no object is left in storage without its row), nor linked to as it is.
        return (
            "owner",
            "artwork",
            "filename",
            "stored_as",
            "mime_type",
            "human_size",
            "dimensions",
            "thumbnail_image",
            "download_link",
            "created_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("mime_type", "size", "created_at")
        return (
            "stored_as",
            "mime_type",
            "human_size",
            "dimensions",
            "thumbnail_image",
            "download_link",
            "created_at",
        )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/thumbnail/",
                view(self.thumbnail_view, cacheable=True),
                name=f"{name}_thumbnail",
            ),
            path("<int:pk>/download/", view(self.download_view), name=f"{name}_download"),
            *super().get_urls(),
        ]

    @admin.display(description="stored as")
    def stored_as(self, obj: File) -> str:
        return obj.file.name

    @admin.display(description="size", ordering="size")
    def human_size(self, obj: File) -> str:
        return filesizeformat(obj.size)

    @admin.display(description="pixels")
    def dimensions(self, obj: File) -> str:
        return obj.pixels or "—"

    @admin.display(description="thumbnail")
    def thumbnail_image(self, obj: File) -> str:
        if not obj.pk or not getattr(obj, "thumbnail_bytes", None):
            return "—"
        return format_html(
            '<img src="{}" alt="thumbnail of {}" style="max-width: 120px; max-height: 120px;">',
            reverse("admin:gallery_file_thumbnail", args=[obj.pk]),
            obj.filename,
        )

    @admin.display(description="download")
    def download_link(self, obj: File) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">Download</a>', reverse("admin:gallery_file_download", args=[obj.pk])
        )

    def _file_to_view(self, request: HttpRequest, pk: int) -> File:
        file = self.get_object(request, str(pk))
        if not self.has_view_permission(request, file):
            raise PermissionDenied
        if file is None:
            raise Http404("No such file.")
        return file

    def thumbnail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        file = self._file_to_view(request, pk)
        if not file.thumbnail:
            raise Http404("This file has no thumbnail.")
        response = HttpResponse(bytes(file.thumbnail), content_type="image/webp")
        patch_cache_control(response, private=True, max_age=3600)
        return response

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A signed URL that saves the file under its name, or the file streamed here
        as an attachment where the storage has no URLs of its own."""
        file = self._file_to_view(request, pk)
        try:
            url = uploads.download_url(file)
            if url is not None:
                return redirect(url)
            stream = file.file.open("rb")
        except FileNotFoundError:
            raise Http404("The stored file is missing (see manage.py cleanup_orphans).") from None
        except uploads.STORAGE_ERRORS:
            return try_later(
                request,
                status=503,
                retry_after=60,
                heading="File storage is unreachable",
                message="The file cannot be fetched right now. Try again soon.",
                back_url=reverse("admin:gallery_file_change", args=[file.pk]),
                back_label="Back to the file",
            )
        return attachment(stream, file.filename, file.mime_type)


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    """Likes can be added or removed (counters follow), not moved between artworks."""

    list_display = ("user", "artwork", "created_at")
    list_filter = ("created_at",)
    search_fields = ("user__email", "artwork__prompt", "artwork__public_id")
    autocomplete_fields = ("user", "artwork")
    list_select_related = ("user", "artwork")

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*ARTWORK_HEAVY_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "artwork", "created_at") if obj else ("created_at",)


# --- Background jobs: Procrastinate's own admin, plus retrying failed jobs ------------


admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(ProcrastinateJobAdmin):
    """Jobs by status, queue and task (Procrastinate's pages), and a way to run failed
    ones again once their cause is mended."""

    actions = ["retry"]

    def has_retry_permission(self, request) -> bool:
        # Procrastinate's job pages are read-only; running a job again is a change.
        return request.user.has_perm("procrastinate.change_procrastinatejob")

    @admin.action(description="Run the selected failed jobs again", permissions=["retry"])
    def retry(self, request, queryset: QuerySet) -> None:
        failed = list(queryset.filter(status="failed").values_list("id", flat=True))
        for job_id in failed:
            jobs_app.job_manager.retry_job_by_id(job_id, retry_at=timezone.now())
        self.message_user(request, f"{len(failed)} failed job(s) queued again.", messages.SUCCESS)
        skipped = queryset.count() - len(failed)
        if skipped:
            self.message_user(
                request,
                f"{skipped} job(s) skipped: only failed jobs are run again.",
                messages.WARNING,
            )


# --- Imports from the original app (gallery/convex_import.py) ------------------------

SNAPSHOT_PREFIX = "imports/snapshots"
UPLOAD_URL_SECONDS = 3600


@admin.register(ConvexImportRun)
class ConvexImportRunAdmin(admin.ModelAdmin):
    """Start an import of a snapshot already in the storage (the add page gives a form
    that uploads it straight to the bucket, past the app's upload limit), follow it,
    download its report."""

    list_display = ("snapshot", "status", "dry_run", "created_at", "finished_at", "report_link")
    list_filter = ("status",)
    fields = ("snapshot", "dry_run")
    readonly_fields = ("status", "summary", "report_link", "started_by", "created_at",
                       "finished_at")  # fmt: skip
    add_form_template = "admin/gallery/conveximportrun/add_form.html"

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ("snapshot", "dry_run", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("snapshot", "dry_run", *self.readonly_fields)

    def has_change_permission(self, request, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def get_changeform_initial_data(self, request):
        # Back from the bucket (S3 appends key= to the redirect), the snapshot is named.
        return {"snapshot": request.GET.get("key", "")}

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "bucket_upload": self._bucket_upload(request)}
        return super().add_view(request, form_url, extra_context)

    def _bucket_upload(self, request) -> dict | None:
        """A form that posts the snapshot to the bucket itself (S3 only)."""
        storage = uploads.bucket_storage()
        if storage is None:
            return None
        key = f"{SNAPSHOT_PREFIX}/{timezone.now():%Y%m%d-%H%M%S}.zip"
        back = request.build_absolute_uri(reverse("admin:gallery_conveximportrun_add"))
        post = storage.bucket.meta.client.generate_presigned_post(
            storage.bucket_name,
            key,
            Fields={"success_action_redirect": back},
            Conditions=[
                {"success_action_redirect": back},
                ["content-length-range", 1, 50 * 1024**3],
            ],
            ExpiresIn=UPLOAD_URL_SECONDS,
        )
        return post

    def save_model(self, request, obj, form, change) -> None:
        obj.started_by = request.user
        super().save_model(request, obj, form, change)
        tasks.defer_on_commit(convex_import.import_convex_snapshot, run_id=obj.pk)

    @admin.display(description="report")
    def report_link(self, obj: ConvexImportRun) -> str:
        if not obj.report:
            return "—"
        return format_html('<a href="{}">Download the report</a>',
                           uploads.storage_url(obj.report, "import-report.csv"))  # fmt: skip
