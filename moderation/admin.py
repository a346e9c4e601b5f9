"""Staff handle reports here: open ones first, then hide what they are about (made
private, owner told) or dismiss them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from moderation import hiding
from moderation.models import Report, Status

ALL = "all"


class StatusFilter(admin.SimpleListFilter):
    """Open reports unless another status (or all) is asked for: the work to do."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Status.choices, (ALL, "All")]

    def value(self):
        return super().value() or Status.OPEN

    def choices(self, changelist):
        # Django's own "All" link would drop the parameter, which means open here.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == ALL:
            return queryset
        return queryset.filter(status=self.value())


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "target", "reason", "short_details", "reporter", "status")
    list_display_links = ("created_at",)
    list_filter = (StatusFilter, "reason", "created_at")
    search_fields = (
        "details",
        "artwork__public_id",
        "artwork__prompt",
        "collection__public_id",
        "collection__name",
        "reporter__email",
    )
    list_select_related = ("artwork", "collection", "reporter")
    fields = (
        "target",
        "reason",
        "details",
        "reporter",
        "created_at",
        "status",
        "resolved_at",
        "resolved_by",
    )
    # Reports come from visitors and are closed by the actions, which keep a report's
    # status, resolution and target's visibility in step: nothing is edited by hand.
    readonly_fields = fields
    actions = ["hide", "dismiss"]

    def get_queryset(self, request):
        # Up to 500 frames and a tsvector per artwork: never loaded for a list.
        return super().get_queryset(request).defer("artwork__frames", "artwork__search_vector")

    def has_add_permission(self, request) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing on the page can be edited: no Save buttons that would do nothing.
        extra_context = {**(extra_context or {}), "show_save": False}
        extra_context["show_save_and_continue"] = False
        return super().change_view(request, object_id, form_url, extra_context)

    def has_hide_permission(self, request) -> bool:
        # Hiding changes the reported artworks and collections as well as the reports.
        return self.has_change_permission(request) and request.user.has_perms(
            ["gallery.change_artwork", "gallery.change_collection"]
        )

    @admin.display(description="reported")
    def target(self, obj: Report) -> str:
        target = obj.target
        if target is None:
            return "—"
        meta = target._meta
        admin_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[target.pk])
        return format_html(
            '{} <a href="{}">{}</a> · <a href="{}">public page</a>',
            meta.verbose_name,
            admin_url,
            Truncator(str(target)).chars(60),
            target.get_absolute_url(),
        )

    @admin.display(description="details")
    def short_details(self, obj: Report) -> str:
        return Truncator(obj.details).chars(60)

    @admin.action(description="Hide: make private and tell the owner", permissions=["hide"])
    def hide(self, request, queryset: QuerySet) -> None:
        made_private, closed = hiding.hide_targets(queryset, request)
        self.message_user(
            request,
            f"{made_private} artwork(s) or collection(s) made private, their owners told"
            f" by email; {closed} open report(s) about them closed as hidden.",
            messages.SUCCESS,
        )

    @admin.action(description="Dismiss the selected open reports", permissions=["change"])
    def dismiss(self, request, queryset: QuerySet) -> None:
        closed = queryset.resolve(Status.DISMISSED, by=request.user)
        self.message_user(request, f"{closed} report(s) dismissed.", messages.SUCCESS)
