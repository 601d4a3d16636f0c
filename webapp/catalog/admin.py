"""Curator admin for the catalog: artists and tracks, with audio upload on the track form.

Changelists stay cheap on large catalogs: track counts come from one annotated query, the
artist is joined once, and a search term that is a UUID matches MBIDs by index.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from webapp.catalog.inputs import mbid_parse
from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name
from webapp.catalog.services import same_name_key


class ArtistForm(forms.ModelForm):
    """Keeps name_normalized in step with the name, and reports a duplicate as a form error."""

    class Meta:
        model = Artist
        fields = ["name", "mbid", "is_synthetic"]

    def clean(self) -> dict:
        cleaned = super().clean()
        key = normalize_name(cleaned.get("name") or "")
        mbid = cleaned.get("mbid")
        if mbid is not None and self.instance.name_normalized == same_name_key(key, mbid):
            key = self.instance.name_normalized  # the second artist of a shared name stays so
        if Artist.objects.filter(name_normalized=key).exclude(pk=self.instance.pk).exists():
            raise ValidationError({"name": "An artist with this name already exists."})
        self.instance.name_normalized = key
        return cleaned


class TrackForm(forms.ModelForm):
    """Keeps title_normalized in step with the title; one title per artist."""

    class Meta:
        model = Track
        fields = [
            "artist",
            "title",
            "release_name",
            "duration_ms",
            "recording_mbid",
            "release_mbid",
            "audio",
            "is_synthetic",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        key = normalize_name(cleaned.get("title") or "")
        artist = cleaned.get("artist")
        same = Track.objects.filter(artist=artist, title_normalized=key).exclude(
            pk=self.instance.pk
        )
        if artist is not None and same.exists():
            raise ValidationError({"title": "This artist already has a track with this title."})
        self.instance.title_normalized = key
        return cleaned


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    form = ArtistForm
    list_display = ["name", "mbid", "track_count", "is_synthetic"]
    list_filter = ["is_synthetic"]
    search_fields = ["name"]
    readonly_fields = ["name_normalized", "created_at"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Artist]:
        return super().get_queryset(request).annotate(track_count=Count("tracks"))

    @admin.display(description="# tracks", ordering="track_count")
    def track_count(self, obj: Artist) -> int:
        return obj.track_count

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        mbid = mbid_parse(search_term.strip())
        if mbid is not None:
            return queryset.filter(mbid=mbid), False
        return super().get_search_results(request, queryset, search_term)


class HasAudioFilter(admin.SimpleListFilter):
    title = "audio"
    parameter_name = "has_audio"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Has audio"), ("no", "No audio")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Track]) -> QuerySet[Track]:
        no_audio = Q(audio="") | Q(audio__isnull=True)
        if self.value() == "yes":
            return queryset.exclude(no_audio)
        if self.value() == "no":
            return queryset.filter(no_audio)
        return queryset


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    form = TrackForm
    list_display = ["title", "artist", "release_name", "duration_ms", "has_audio", "recording_mbid"]
    list_filter = ["is_synthetic", HasAudioFilter]
    list_select_related = ["artist"]
    search_fields = ["title", "artist__name"]
    autocomplete_fields = ["artist"]
    readonly_fields = ["title_normalized", "created_at"]
    show_full_result_count = False

    @admin.display(boolean=True, description="audio")
    def has_audio(self, obj: Track) -> bool:
        return bool(obj.audio)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        mbid = mbid_parse(search_term.strip())
        if mbid is not None:
            return queryset.filter(Q(recording_mbid=mbid) | Q(release_mbid=mbid)), False
        return super().get_search_results(request, queryset, search_term)
