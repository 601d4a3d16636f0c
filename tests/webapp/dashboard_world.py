"""A small world for the dashboard tests: two tastes, every model served, this week built.

The two-taste CF world (group g's listeners play only group g's tracks); curators' tags give
group 0's artists "dreamy shoegaze" and group 1's "loud thrash" (the culture version is built
from them); each group's tracks carry analyses with their own tempo, key and loudness; CF is
trained and this week's playlists are built by the real weekly job.
"""

import datetime as dt

from django.utils import timezone

from tests.webapp.cf_world import make_world
from tests.webapp.culture_world import METAL, SHOEGAZE, page, store
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.culture.models import ManualTag
from webapp.culture.rebuild import culture_rebuild
from webapp.playlists.services import week_start
from webapp.playlists.weekly import week_run
from webapp.training import services as training

TAGS = {0: ("dreamy", "shoegaze"), 1: ("loud", "thrash")}
#: Per group: tempo range (BPM), key, mode, loudness (LUFS) of its tracks' analyses.
SOUND = {0: (80.0, 2, 0, -14.0), 1: (150.0, 7, 1, -6.0)}


def features(*, tempo: float, key: int, mode: int, loudness: float, seconds: float = 4.0):
    """A stored analysis as recommender.audio's Analysis.to_dict() writes it."""
    beat = 60.0 / tempo
    beats = [round(i * beat, 3) for i in range(int(seconds / beat))]
    segments = [
        {
            "start": round(t, 3),
            "duration": round(beat, 3),
            "confidence": 0.5,
            "loudness_start": loudness - 6,
            "loudness_max": loudness,
            "loudness_max_time": 0.01,
            "pitches": [1.0 if p == key else 0.2 for p in range(12)],
            "timbre": [float(loudness + c) for c in range(12)],
        }
        for t in beats
    ]
    return {
        "tempo": tempo, "tempo_confidence": 0.8, "key": key, "key_confidence": 0.7,
        "mode": mode, "mode_confidence": 0.6, "loudness": loudness, "time_signature": 4,
        "time_signature_confidence": 0.5, "duration": seconds, "offset": 0.0,
        "seconds": seconds, "beats": beats, "bars": beats[::4],
        "loudness_curve": {"start": 0.2, "step": 0.1,
                           "values": [loudness] * int(seconds * 10 - 3)},
        "segments": segments, "analyzer_version": "1",
    }  # fmt: skip


def analyses_store(groups) -> None:
    rows = []
    for g, tracks in groups.items():
        tempo, key, mode, loudness = SOUND[g]
        for i, track in enumerate(tracks):
            beat_tempo = tempo + (i % 10)  # within the group's 10-BPM bin
            rows.append(
                TrackAnalysis(
                    track=track,
                    status=AnalysisStatus.SUCCEEDED,
                    features=features(tempo=beat_tempo, key=key, mode=mode, loudness=loudness),
                    tempo=beat_tempo,
                    key=key,
                    mode=mode,
                    loudness=loudness,
                    time_signature=4,
                    analysed_at=timezone.now(),
                )
            )
    TrackAnalysis.objects.bulk_create(rows)


def dashboard_world(*, culture: bool = True, analyses: bool = True, week: dt.date | None = None):
    """(users by group, tracks by group, week) with CF trained and the week's playlists built."""
    users, groups = make_world(n_users_per_group=10, n_tracks_per_group=40, n_artists_per_group=8)
    if culture:
        ManualTag.objects.bulk_create(
            [
                ManualTag(artist=track.artist, tag=tag)
                for g, tracks in groups.items()
                for track in {t.artist_id: t for t in tracks}.values()
                for tag in TAGS[g]
            ]
        )
        store(  # pages naming each group's artists, so the rebuild has documents too
            *[
                page(f"https://press.test/{g}", f"Group {g}", f"{names}. {text}")
                for g, text in ((0, SHOEGAZE), (1, METAL))
                for names in [", ".join(sorted({t.artist.name for t in groups[g]}))]
            ]
        )
        culture_rebuild()
    if analyses:
        analyses_store(groups)
    training.cf_retrain()
    week = week or week_start()
    week_run(week=week, playlists_only=True)
    return users, groups, week
