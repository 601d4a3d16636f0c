"""Curator admin for listeners and their signals: profiles, listens, saves, visits, skips.

Built for tables with millions of rows: raw-id widgets instead of select boxes, joined
foreign keys, no full-table count, and no free-text search that would scan every listen.
A listener's API token is shown in full to superusers only.
"""

from django.contrib import admin
from django.http import HttpRequest

from webapp.listening.models import (
    ArtistVisit,
    Invite,
    Listen,
    PlayingNow,
    Profile,
    SavedTrack,
    Skip,
)
from webapp.listening.services import listener_token_regenerate


class SignalAdmin(admin.ModelAdmin):
    """Shared settings for the big signal tables."""

    raw_id_fields = ["user", "track"]
    list_select_related = ["user", "track__artist"]
    search_fields = ["=user__username"]
    show_full_result_count = False
    list_per_page = 50
    # Newest rows first by primary key: an index scan, where sorting by a timestamp column
    # would sort the whole table.
    ordering = ["-pk"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_synthetic", "created_at"]
    list_filter = ["is_synthetic"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    actions = ["regenerate_tokens"]
    show_full_result_count = False

    def _token_field(self, request: HttpRequest) -> str:
        return "api_token" if request.user.is_superuser else "token_hint"

    def get_fields(self, request: HttpRequest, obj: Profile | None = None) -> list[str]:
        return ["user", self._token_field(request), "is_synthetic", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Profile | None = None) -> list[str]:
        return [self._token_field(request), "created_at"]

    @admin.display(description="API token")
    def token_hint(self, obj: Profile) -> str:
        return f"{obj.api_token[:4]}… (shown in full to superusers only)"

    @admin.action(description="Regenerate the API token", permissions=["change"])
    def regenerate_tokens(self, request: HttpRequest, queryset) -> None:
        for profile in queryset.select_related("user"):
            listener_token_regenerate(user=profile.user)
        self.message_user(request, f"Issued new tokens for {queryset.count()} listener(s).")


@admin.register(Listen)
class ListenAdmin(SignalAdmin):
    list_display = ["user", "track", "listened_at", "source", "ms_played"]
    list_filter = ["source"]
    date_hierarchy = "listened_at"
    readonly_fields = ["inserted_at"]


@admin.register(SavedTrack)
class SavedTrackAdmin(SignalAdmin):
    list_display = ["user", "track", "saved_at"]
    date_hierarchy = "saved_at"


@admin.register(Skip)
class SkipAdmin(SignalAdmin):
    list_display = ["user", "track", "skipped_at", "ms_played"]
    date_hierarchy = "skipped_at"


@admin.register(PlayingNow)
class PlayingNowAdmin(SignalAdmin):
    list_display = ["user", "track", "started_at", "expires_at"]


@admin.register(ArtistVisit)
class ArtistVisitAdmin(SignalAdmin):
    list_display = ["user", "artist", "visited_at"]
    raw_id_fields = ["user", "artist"]
    list_select_related = ["user", "artist"]
    date_hierarchy = "visited_at"


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    """Curators hand out one-time sign-up codes when SIGNUP_MODE is "invite"."""

    list_display = ["code", "note", "created_by", "created_at", "expires_at", "used_by"]
    readonly_fields = ["code", "created_by", "used_by", "used_at"]
    list_select_related = ["created_by", "used_by"]
    search_fields = ["note", "=code"]

    def save_model(self, request: HttpRequest, obj: Invite, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
