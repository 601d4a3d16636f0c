"""Weekly playlists and what shapes them: listener controls, curator blocks, blend weights.

One WeeklyPlaylist per listener and week (the Monday it starts), with the model versions it
came from and its items in playing order, each with per-model contributions and a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from webapp.catalog.models import Artist, Track
from webapp.training.models import ModelVersion, RunStatus

#: familiar (0) <-> discover (1): the share of artists new to the listener grows with it.
DEFAULT_DISCOVERY = 0.5


class PlaylistSettings(models.Model):
    """A listener's own controls over their weekly playlist."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlist_settings"
    )
    discovery = models.FloatField(
        default=DEFAULT_DISCOVERY, help_text="0 familiar artists .. 1 artists new to you"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "playlist settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(discovery__gte=0) & Q(discovery__lte=1), name="discovery_0_1"
            )
        ]


class HiddenArtist(models.Model):
    """ "Don't recommend this artist": none of their tracks is picked for this listener."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "artist"], name="hiddenartist_unique")
        ]


class CuratorBlock(models.Model):
    """A track or an artist curators keep out of every weekly playlist."""

    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    artist = models.ForeignKey(
        Artist, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(track__isnull=True, artist__isnull=False)
                | Q(track__isnull=False, artist__isnull=True),
                name="curatorblock_track_xor_artist",
            ),
            models.UniqueConstraint(fields=["track"], name="curatorblock_unique_track"),
            models.UniqueConstraint(fields=["artist"], name="curatorblock_unique_artist"),
        ]

    def __str__(self) -> str:
        return f"blocked {self.track or self.artist}"


class BlendSettings(models.Model):
    """The blend's weights per model: fitted on held-out plays, or set by a curator."""

    fitted_weights = models.JSONField(default=dict, blank=True)
    fit_metrics = models.JSONField(default=dict, blank=True)
    fitted_at = models.DateTimeField(null=True, blank=True)
    override_weights = models.JSONField(
        null=True,
        blank=True,
        help_text='Curator weights, e.g. {"cf": 1, "culture": 0.5, "audio": 0}; empty: fitted.',
    )
    override_note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "blend settings"

    def effective(self) -> dict[str, float]:
        return dict(self.override_weights or self.fitted_weights or {})


class WeeklyBuild(models.Model):
    """One run of the week's job (or one listener's rebuild): status and progress in admin."""

    week = models.DateField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    listeners_total = models.PositiveIntegerField(default=0)
    listeners_done = models.PositiveIntegerField(default=0)
    playlists_written = models.PositiveIntegerField(default=0)
    steps = models.JSONField(default=dict, blank=True, help_text="What each step of the week did.")
    versions = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    whole_week = models.BooleanField(
        default=False,
        help_text="Every listener's week (one such build runs at a time); off for a rebuild of "
        "some listeners.",
    )
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last step or chunk finished while running."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["week"],
                condition=models.Q(status="running", whole_week=True),
                name="weeklybuild_one_running_week",
            )
        ]

    def __str__(self) -> str:
        return f"week of {self.week} #{self.pk} {self.status}"

    @property
    def progress(self) -> float:
        return self.listeners_done / self.listeners_total if self.listeners_total else 0.0


class WeeklyBuildChunk(models.Model):
    """A chunk of a build whose playlists were written, counted in the build's progress once.

    Celery delivers a chunk again when its worker dies before acknowledging it (or the broker's
    visibility timeout passes); the playlists are replaced whole, and this row keeps the second
    delivery from adding its listeners to `listeners_done` a second time, which could make a
    build that left some listeners out look complete.
    """

    build = models.ForeignKey(
        WeeklyBuild, on_delete=models.CASCADE, related_name="chunks", db_index=False
    )
    first_listener_id = models.BigIntegerField(help_text="The chunk's lowest listener id.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["build", "first_listener_id"], name="weeklybuildchunk_unique_first"
            )
        ]


class WeeklyPlaylist(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="weekly_playlists",
        db_index=False,
    )
    week = models.DateField(help_text="The Monday the playlist starts.")
    build = models.ForeignKey(WeeklyBuild, null=True, blank=True, on_delete=models.SET_NULL)
    cf_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    culture_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    audio_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weights = models.JSONField(default=dict, blank=True)
    cold_start = models.BooleanField(
        default=False, help_text="No listening history yet: popular tracks the models could score."
    )
    shortfall_code = models.CharField(max_length=32, blank=True)
    shortfall_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="weeklyplaylist_user_week")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}'s week of {self.week}"


#: The models whose contributions an item keeps, in the order of its columns.
CONTRIBUTION_KINDS = ("cf", "culture", "audio", "popularity")


class WeeklyPlaylistItem(models.Model):
    playlist = models.ForeignKey(
        WeeklyPlaylist, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, db_index=False)
    score = models.FloatField()
    # Each model's contribution, weight x standardized score (0: the model had nothing to say).
    cf = models.FloatField(default=0.0)
    culture = models.FloatField(default=0.0)
    audio = models.FloatField(default=0.0)
    popularity = models.FloatField(default=0.0)
    reason = models.CharField(max_length=300, blank=True)
    reason_kind = models.CharField(max_length=16, blank=True)
    new_artist = models.BooleanField(default=False)

    class Meta:
        ordering = ["playlist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["playlist", "position"], name="item_unique_position"),
            models.UniqueConstraint(fields=["playlist", "track"], name="item_unique_track"),
        ]
        indexes = [models.Index(fields=["track"], name="item_track")]

    def contributions(self) -> dict[str, float]:
        return {kind: getattr(self, kind) for kind in CONTRIBUTION_KINDS}


class ReplacedPick(models.Model):
    """A track that was in the listener's playlist for `week` until a rebuild replaced that
    playlist with one that left the track out.

    The listener may have seen it there (a "rebuild now" usually follows a look at the page),
    so later weeks leave it out like the picks of the playlists that stayed. Written by the
    rebuild before it deletes the old playlist; picks the new playlist keeps need no row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "track", "week"], name="replacedpick_unique_user_track_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} x {self.track_id} (replaced, week of {self.week})"
