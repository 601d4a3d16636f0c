"""Curators' view of the weekly playlists: builds with progress, playlists and their picks,
blend weights (fitted, or overridden), curator blocks; rebuild one listener's playlist."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from webapp.playlists.models import (
    BlendSettings,
    CuratorBlock,
    WeeklyBuild,
    WeeklyPlaylist,
    WeeklyPlaylistItem,
)
from webapp.playlists.tasks import rebuild_listener
from webapp.playlists.weekly import STEP_ORDER, builds_stale_mark_failed
from webapp.training.services import running_mark_failed


@admin.register(WeeklyBuild)
class WeeklyBuildAdmin(admin.ModelAdmin):
    """Every run of the week's job (and every rebuild): what each step did, live progress."""

    list_display = ["pk", "week", "status", "progress_bar", "playlists_written", "steps_done",
                    "started_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "week"]
    readonly_fields = [f.name for f in WeeklyBuild._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        builds_stale_mark_failed()  # a build whose process died shows failed, not running
        return super().changelist_view(request, extra_context=extra_context)

    actions = ["mark_failed"]

    @admin.action(description="Mark failed: the build's process died", permissions=["change"])
    def mark_failed(self, request, queryset) -> None:
        marked = running_mark_failed(queryset=queryset)
        self.message_user(request, f"{marked} running builds marked failed.")

    @admin.display(description="progress")
    def progress_bar(self, obj: WeeklyBuild) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}/{}',
            round(obj.progress * 100),
            obj.listeners_done,
            obj.listeners_total,
        )

    @admin.display(description="steps")
    def steps_done(self, obj: WeeklyBuild) -> str:
        order = {name: n for n, name in enumerate(STEP_ORDER)}  # jsonb keeps no key order
        steps = sorted(obj.steps.items(), key=lambda item: order.get(item[0], len(order)))
        return ", ".join(f"{name}: {out.get('status')}" for name, out in steps)


class ItemInline(admin.TabularInline):
    model = WeeklyPlaylistItem
    fields = ["position", "track", "score", "cf", "culture", "audio", "popularity", "reason",
              "new_artist"]  # fmt: skip
    readonly_fields = fields
    raw_id_fields = ["track"]
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WeeklyPlaylist)
class WeeklyPlaylistAdmin(admin.ModelAdmin):
    list_display = ["user", "week", "cold_start", "shortfall_code", "cf_version",
                    "culture_version", "audio_version", "created_at"]  # fmt: skip
    list_filter = ["week", "cold_start"]
    list_select_related = ["user"]
    search_fields = ["=user__username"]
    raw_id_fields = ["user", "build"]
    readonly_fields = [f.name for f in WeeklyPlaylist._meta.fields]
    inlines = [ItemInline]
    actions = ["rebuild"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Rebuild these listeners' playlists now", permissions=["change"])
    def rebuild(self, request: HttpRequest, queryset) -> None:
        for playlist in queryset.only("user_id", "week"):
            rebuild_listener.delay(playlist.user_id, playlist.week.isoformat())
        self.message_user(
            request, f"Rebuilding {queryset.count()} playlist(s).", level=messages.SUCCESS
        )


@admin.register(BlendSettings)
class BlendSettingsAdmin(admin.ModelAdmin):
    """The fitted weights, and a curator's override (a weight of 0 leaves a model out)."""

    list_display = ["pk", "fitted_weights", "override_weights", "fitted_at", "updated_at"]
    readonly_fields = ["fitted_weights", "fit_metrics", "fitted_at", "updated_at"]
    fields = ["override_weights", "override_note", *readonly_fields]


@admin.register(CuratorBlock)
class CuratorBlockAdmin(admin.ModelAdmin):
    """Tracks and artists kept out of every weekly playlist."""

    list_display = ["pk", "track", "artist", "reason", "created_by", "created_at"]
    raw_id_fields = ["track", "artist"]
    readonly_fields = ["created_by", "created_at"]
    search_fields = ["track__title", "artist__name", "reason"]

    def save_model(self, request: HttpRequest, obj: CuratorBlock, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
