"""The track page's audio analysis, drawn the way The Echo Nest drew "Around the World".

A track in; its TrackAnalysis (webapp.audio) as the page shows it: the headline numbers
(tempo, key, mode, time signature, loudness, each with its confidence), three charts
(loudness over time with beats and bars; segment timbre and pitch as heat maps) and the
tracks that sound most alike by the serving audio model's embeddings. No analysis, one still
queued, or a failed one: a sentence saying so instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommender.audio.tonal import KEY_NAMES
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.audio.selectors import track_sounds_like
from webapp.catalog.models import Track
from webapp.dashboard.charts import track as figures

SOUNDS_LIKE = 10
MODE_NAMES = {0: "minor", 1: "major"}


@dataclass(frozen=True)
class Fact:
    name: str
    value: str
    confidence: float | None = None


def track_analysis_page(*, track: Track) -> dict:
    """Context for the track page: `analysis_missing` or `analysis_facts` and
    `analysis_charts`; `sounds_like` ((track, similarity) pairs) and `sounds_like_missing`."""
    analysis = TrackAnalysis.objects.filter(track=track).first()
    context: dict = {"analysis_missing": _missing(track, analysis)}
    if not context["analysis_missing"]:
        features = analysis.features
        context["analysis_facts"] = _facts(features)
        context["analysis_charts"] = figures.analysis_charts(features)
    context.update(_sounds_like(track))
    return context


def _missing(track: Track, analysis: TrackAnalysis | None) -> str:
    if analysis is None:
        if not track.audio:
            return "No audio file for this track, so there is no analysis."
        return "This track's audio has not been analysed yet."
    if analysis.status == AnalysisStatus.FAILED:
        return f"The analysis of this track's audio failed: {analysis.error or 'no reason given'}"
    if analysis.status != AnalysisStatus.SUCCEEDED:
        return f"The analysis of this track's audio is {analysis.get_status_display().lower()}."
    if not analysis.features.get("segments") and not analysis.features.get("loudness_curve"):
        return "This track's analysis holds no time series to draw (an older analyzer?)."
    return ""


def _facts(features: dict) -> list[Fact]:
    key, mode = features.get("key"), features.get("mode")
    key_name = KEY_NAMES[key] if isinstance(key, int) and 0 <= key < 12 else "—"
    seconds = features.get("seconds")
    duration = features.get("duration")
    excerpt = ""
    if seconds and duration and seconds < duration - 0.5:
        excerpt = f" (an excerpt of {seconds:.0f} s from {features.get('offset', 0):.0f} s)"
    return [
        Fact("Tempo", f"{features.get('tempo', 0):.1f} BPM", features.get("tempo_confidence")),
        Fact("Key", key_name, features.get("key_confidence")),
        Fact("Mode", MODE_NAMES.get(mode, "—"), features.get("mode_confidence")),
        Fact(
            "Time signature",
            f"{features.get('time_signature', '—')} beats per bar",
            features.get("time_signature_confidence"),
        ),
        Fact("Loudness", f"{features.get('loudness', 0):.1f} LUFS (integrated)"),
        Fact("Analysed", f"{duration or 0:.1f} s{excerpt}"),
    ]


def _sounds_like(track: Track) -> dict:
    ranked = track_sounds_like(track_id=track.pk, limit=SOUNDS_LIKE)
    if not ranked:
        return {
            "sounds_like": [],
            "sounds_like_missing": "No audio model has placed this track yet: the audio CNN "
            "learns from analysed tracks and runs with the weekly job.",
        }
    found = Track.objects.select_related("artist").in_bulk([pk for pk, _ in ranked])
    return {
        "sounds_like": [(found[pk], score) for pk, score in ranked if pk in found],
        "sounds_like_missing": "",
    }
