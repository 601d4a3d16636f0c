"""The week panels' reads: this week's picks, and what became of every past week's picks.

A listener in. This week: their newest WeeklyPlaylist with its items (tracks, per-model
contributions, reasons) and which picks they saved. Past weeks: per playlist, how many picks
they have played, saved, skipped and refused ("not for me") since, read from the signal table
(one row per listener and track, kept by triggers), and how many they played from the
playlist itself (listens with source "weekly" after the week began); the hit rate is the
share of picks played. One aggregate query per panel, however long the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from webapp.listening.models import Listen, ListenSource, TrackSignal
from webapp.listening.selectors import listener_saved_track_ids
from webapp.playlists.models import WeeklyPlaylist, WeeklyPlaylistItem
from webapp.playlists.selectors import playlist_items, weekly_playlist

#: Past weeks shown (a year).
PAST_WEEKS = 52


@dataclass
class ThisWeek:
    playlist: WeeklyPlaylist
    items: list[WeeklyPlaylistItem]
    saved_ids: set[int]

    @property
    def pick_ids(self) -> list[int]:
        return [item.track_id for item in self.items]


def this_week(*, listener) -> ThisWeek | str:
    playlist = weekly_playlist(user=listener)
    if playlist is None:
        return (
            "No Discover Weekly playlist yet: playlists are built every Monday, and you can "
            "ask for yours now on the Discover Weekly page."
        )
    items = list(playlist_items(playlist=playlist))
    saved = listener_saved_track_ids(user=listener, track_ids=[i.track_id for i in items])
    return ThisWeek(playlist=playlist, items=items, saved_ids=saved)


@dataclass(frozen=True)
class WeekOutcome:
    week: dt.date
    picks: int
    played: int
    saved: int
    skipped: int
    refused: int
    from_playlist: int  # played from the playlist itself (source "weekly")

    @property
    def hit_rate(self) -> float:
        return self.played / self.picks if self.picks else 0.0


def past_weeks(*, listener, limit: int = PAST_WEEKS) -> list[WeekOutcome] | str:
    """Per week (oldest first), what the listener did with that week's picks."""
    newest = WeeklyPlaylist.objects.filter(user=listener).order_by("-week").values("pk")[:limit]
    signal = TrackSignal.objects.filter(
        user_id=OuterRef("playlist__user_id"), track_id=OuterRef("track_id")
    )
    weekly_listen = Listen.objects.filter(
        user_id=OuterRef("playlist__user_id"),
        track_id=OuterRef("track_id"),
        source=ListenSource.WEEKLY,
        listened_at__date__gte=OuterRef("playlist__week"),
    )
    rows = (
        WeeklyPlaylistItem.objects.filter(playlist__in=Subquery(newest))
        .values("playlist__week")
        .annotate(
            picks=Count("pk"),
            played=Count("pk", filter=Q(Exists(signal.filter(play_count__gt=0)))),
            saved=Count("pk", filter=Q(Exists(signal.filter(saved_at__isnull=False)))),
            skipped=Count("pk", filter=Q(Exists(signal.filter(skip_count__gt=0)))),
            refused=Count("pk", filter=Q(Exists(signal.filter(refused_at__isnull=False)))),
            from_playlist=Count("pk", filter=Q(Exists(weekly_listen))),
        )
        .order_by("playlist__week")
    )
    outcomes = [
        WeekOutcome(
            week=row["playlist__week"],
            picks=row["picks"],
            played=row["played"],
            saved=row["saved"],
            skipped=row["skipped"],
            refused=row["refused"],
            from_playlist=row["from_playlist"],
        )
        for row in rows
    ]
    return outcomes or "No weekly playlists yet, so nothing to look back on."
