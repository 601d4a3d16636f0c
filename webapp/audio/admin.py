"""Curators' view of track analyses: status and readable errors, the headline features, and
a re-analyse action. (Audio uploaded on a track in the catalog admin is analysed by the
post_save signal in signals.py.)"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from recommender.audio.tonal import KEY_NAMES
from webapp.audio.models import TrackAnalysis
from webapp.audio.services import analysis_queue

MODE_NAMES = {0: "minor", 1: "major"}


@admin.register(TrackAnalysis)
class TrackAnalysisAdmin(admin.ModelAdmin):
    list_display = [
        "track",
        "status",
        "error_short",
        "tempo_bpm",
        "key_mode",
        "loudness",
        "time_signature",
        "analyzer_version",
        "analysed_at",
    ]
    list_filter = ["status", "analyzer_version"]
    list_select_related = ["track", "track__artist"]
    search_fields = ["track__title", "track__artist__name", "error"]
    actions = ["reanalyse"]
    show_full_result_count = False
    readonly_fields = [f.name for f in TrackAnalysis._meta.fields if f.name != "id"]
    exclude = ["vhat", "embedding"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="error")
    def error_short(self, obj: TrackAnalysis) -> str:
        if not obj.error:
            return ""
        text = obj.error if len(obj.error) <= 120 else obj.error[:117] + "..."
        return format_html('<span title="{}">{}</span>', obj.error, text)

    @admin.display(description="tempo", ordering="tempo")
    def tempo_bpm(self, obj: TrackAnalysis) -> str:
        return f"{obj.tempo:.1f} BPM" if obj.tempo is not None else ""

    @admin.display(description="key")
    def key_mode(self, obj: TrackAnalysis) -> str:
        if obj.key is None:
            return ""
        return f"{KEY_NAMES[obj.key]} {MODE_NAMES.get(obj.mode, '')}".strip()

    @admin.action(description="Re-analyse the selected tracks")
    def reanalyse(self, request: HttpRequest, queryset: QuerySet[TrackAnalysis]) -> None:
        count = analysis_queue(track_ids=list(queryset.values_list("track_id", flat=True)))
        self.message_user(request, f"Queued {count} analyses.", messages.INFO)
