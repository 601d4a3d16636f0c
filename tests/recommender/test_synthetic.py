"""recommender.synthetic (the synthetic world) and recommender.audio.synth (known-answer clips)."""

import numpy as np
import pytest

from recommender import synthetic
from recommender.audio.synth import synthesize_clip, write_clip
from recommender.synthetic import WINDOW_SECONDS, generate_world, true_affinity

SMALL = {"n_listeners": 150, "n_tracks": 1200, "mean_listens_per_listener": 120, "seed": 3}


@pytest.fixture(scope="module")
def world():
    return generate_world(**SMALL)


def _pair_keys(events, n_tracks):
    return events.listener.astype(np.int64) * n_tracks + events.item


def test_same_seed_gives_identical_arrays(world):
    again = generate_world(**SMALL)
    for name in ("track_latent", "track_tempo_bpm", "listener_taste", "track_artist"):
        np.testing.assert_array_equal(getattr(world, name), getattr(again, name))
    for kind in ("plays", "saves", "visits", "skips"):
        a, b = getattr(world, kind), getattr(again, kind)
        np.testing.assert_array_equal(a.listener, b.listener)
        np.testing.assert_array_equal(a.item, b.item)
        np.testing.assert_array_equal(a.timestamp, b.timestamp)
    assert world.track_title == again.track_title and world.artist_names == again.artist_names


def test_a_different_seed_gives_a_different_world(world):
    other = generate_world(**{**SMALL, "seed": 4})
    assert not np.array_equal(world.track_latent, other.track_latent)
    assert len(world.plays) != len(other.plays) or not np.array_equal(
        world.plays.item, other.plays.item
    )


def test_plays_concentrate_in_each_listeners_top_genres(world):
    top3 = np.argsort(-world.listener_genre_weights, axis=1)[:, :3]
    genre = world.track_genre[world.plays.item]
    share = (top3[world.plays.listener] == genre[:, None]).any(axis=1).mean()
    chance = 3 / len(world.genre_names)
    assert share > 0.75 > 2 * chance


def test_played_tracks_rank_high_on_true_affinity_and_skipped_ones_low(world):
    scores = true_affinity(world, np.arange(world.n_listeners))
    ranks = scores.argsort(axis=1).argsort(axis=1) / world.n_tracks  # 0 worst .. 1 best
    played = ranks[world.plays.listener, world.plays.item].mean()
    skipped = ranks[world.skips.listener, world.skips.item].mean()
    assert played > 0.85
    assert skipped < 0.5 < played


def test_saves_are_well_played_pairs(world):
    played = _pair_keys(world.plays, world.n_tracks)
    keys, counts = np.unique(played, return_counts=True)
    saved = _pair_keys(world.saves, world.n_tracks)
    assert np.isin(saved, keys).all()
    assert len(np.unique(saved)) == len(saved)
    saved_counts = counts[np.searchsorted(keys, saved)]
    assert saved_counts.mean() > 1.5 * counts.mean()
    assert (saved_counts >= 2).mean() > 0.9


def test_events_fall_in_the_window_and_are_unique_per_listener_second_and_track(world):
    for events in (world.plays, world.saves, world.visits, world.skips):
        assert (events.timestamp < world.end_time).all()
        assert (events.timestamp > world.end_time - WINDOW_SECONDS).all()
    for events in (world.plays, world.skips):
        triples = np.stack([events.listener, events.timestamp, events.item])
        assert np.unique(triples, axis=1).shape[1] == len(events)
    assert (world.plays.ms_played > 0).all()
    assert (world.plays.ms_played <= world.track_duration_ms[world.plays.item]).all()
    assert (world.skips.ms_played <= 30_000).all()


def test_volume_matches_the_requested_mean_and_every_listener_plays(world):
    per_listener = np.bincount(world.plays.listener, minlength=world.n_listeners)
    assert per_listener.min() >= 1
    assert abs(per_listener.mean() / SMALL["mean_listens_per_listener"] - 1) < 0.15
    assert len(world.visits) > 0 and len(world.saves) > 0 and len(world.skips) > 0


def test_names_are_clearly_synthetic_and_titles_unique_per_artist(world):
    assert world.listener_names[42] == "synth_listener_00042"
    assert len({name.casefold() for name in world.artist_names}) == len(world.artist_names)
    assert not any(char.isdigit() for name in world.artist_names for char in name)
    pairs = set(zip(world.track_artist.tolist(), world.track_title, strict=True))
    assert len(pairs) == world.n_tracks
    assert set(world.track_key.tolist()) <= set(range(12))
    assert set(world.track_mode.tolist()) == {0, 1}


def test_small_chunks_still_cover_every_listener(monkeypatch):
    monkeypatch.setattr(synthetic, "_CHUNK_PROPOSALS", 400)
    small = generate_world(n_listeners=60, n_tracks=300, mean_listens_per_listener=40, seed=1)
    assert set(small.plays.listener.tolist()) == set(range(60))
    assert small.plays.listener.max() == 59


# --- audio: clips whose tempo and key an analyzer must recover ---------------------------------

SR = 22_050
KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _estimate_key(y: np.ndarray) -> tuple[int, int]:
    """Krumhansl-Schmuckler: the (key, mode) whose rotated profile best fits the mean chroma."""
    import librosa

    chroma = librosa.feature.chroma_stft(y=y, sr=SR).mean(axis=1)
    fits = [
        (np.corrcoef(chroma, np.roll(profile, key))[0, 1], key, mode)
        for mode, profile in ((1, KRUMHANSL_MAJOR), (0, KRUMHANSL_MINOR))
        for key in range(12)
    ]
    _, key, mode = max(fits)
    return key, mode


def test_clip_is_deterministic_and_normalized():
    a = synthesize_clip(tempo_bpm=120, key=2, mode="minor", seconds=4, sr=SR, seed=5)
    b = synthesize_clip(tempo_bpm=120, key=2, mode=0, seconds=4, sr=SR, seed=5)
    assert a.dtype == np.float32 and len(a) == 4 * SR
    np.testing.assert_array_equal(a, b)
    assert 0.85 < np.abs(a).max() <= 0.9 + 1e-6
    with pytest.raises(ValueError):
        synthesize_clip(tempo_bpm=120, key=2, mode="dorian", seconds=1)


@pytest.mark.parametrize("tempo", [72.0, 96.0, 110.0, 128.0, 143.0, 171.0])
def test_beat_tracker_recovers_the_synthesized_tempo(tempo):
    import librosa

    y = synthesize_clip(tempo_bpm=tempo, key=int(tempo) % 12, mode=1, seconds=8, sr=SR, seed=1)
    estimate = float(np.atleast_1d(librosa.beat.beat_track(y=y, sr=SR)[0])[0])
    assert min(abs(estimate * f - tempo) / tempo for f in (1, 2, 0.5)) < 0.04, estimate


def test_chroma_key_estimate_recovers_key_and_mode_on_most_clips():
    truth = [(key, key % 2) for key in range(12)]
    found = [
        _estimate_key(synthesize_clip(tempo_bpm=100 + 5 * k, key=k, mode=m, sr=SR, seed=k))
        for k, m in truth
    ]
    assert sum(f == t for f, t in zip(found, truth, strict=True)) >= 10, found


def test_write_clip_writes_a_small_ogg_vorbis_that_decodes(tmp_path):
    import soundfile as sf

    path = write_clip(tmp_path / "a" / "clip.ogg", tempo_bpm=90, key=9, mode="major", seed=2)
    info = sf.info(path)
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("OGG", "VORBIS", SR, 1)
    assert abs(info.duration - 8.0) < 0.05
    assert path.stat().st_size < 80_000
    y, _ = sf.read(path, dtype="float32")
    assert _estimate_key(y) == (9, 1)
