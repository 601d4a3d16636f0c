"""Curator admin for listeners and their signals: profiles, listens, saves, visits, skips.

Built for tables with millions of rows: raw-id widgets instead of select boxes, joined
foreign keys, no full-table count, and no free-text search that would scan every listen.
An API token is stored only as a hash: the admin shows its first characters.
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
from webapp.listening.services import listener_token_revoke


class SignalAdmin(admin.ModelAdmin):
    """Shared settings for the big signal tables.

    Rows are added and deleted, never edited here: the signal tables' triggers follow
    inserts and deletes, so re-pointing a listen at another track would leave the signal
    table (and what the listener "had") telling the old story. Delete and add instead.
    """

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

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
    actions = ["revoke_tokens"]
    show_full_result_count = False

    def get_fields(self, request: HttpRequest, obj: Profile | None = None) -> list[str]:
        return ["user", "token_hint", "is_synthetic", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Profile | None = None) -> list[str]:
        return ["token_hint", "created_at"]

    @admin.display(description="API token")
    def token_hint(self, obj: Profile) -> str:
        if not obj.token_hash:
            return "none yet"
        return f"{obj.token_prefix}… (stored only as a hash; the listener saw it once)"

    @admin.action(description="Revoke the API token", permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset) -> None:
        for profile in queryset.select_related("user"):
            listener_token_revoke(user=profile.user)
        self.message_user(
            request,
            f"Revoked the tokens of {queryset.count()} listener(s); "
            "each can issue a new one on their profile page.",
        )


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
