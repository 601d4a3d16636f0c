"""recommender.audio.analysis and its parts on clips whose answers are known by construction.

The clips come from tests/recommender/audio/clips.py (a chord progression over a drum
pattern, written for these tests) and from recommender.audio.synth (the demo's known-answer
clips); neither is the genre-aware generator the demo world uses.
"""

import json

import numpy as np
import pytest
import soundfile as sf

from recommender.audio.__main__ import main
from recommender.audio.analysis import analyze_file, analyze_signal
from recommender.audio.decode import AudioError, Decoded
from recommender.audio.loudness import loudness
from recommender.audio.spectral import N_MELS, Spectra
from recommender.audio.synth import synthesize_clip
from tests.recommender.audio.clips import SR, make_clip


def analysed(samples: np.ndarray):
    return analyze_signal(Decoded(samples, SR, samples.size / SR))


@pytest.mark.parametrize("tempo", [84.0, 100.0, 120.0, 138.0])
def test_tempo_is_within_two_percent(tempo):
    analysis, _ = analysed(make_clip(tempo=tempo, key=2, mode=1))
    assert analysis.tempo == pytest.approx(tempo, rel=0.02)
    beat_gaps = np.diff(analysis.beats)
    assert np.median(beat_gaps) == pytest.approx(60 / tempo, rel=0.03)


@pytest.mark.parametrize("tempo", [90.0, 128.0])
def test_tempo_of_the_demo_synthesizer_clips_is_within_two_percent(tempo):
    analysis, _ = analysed(synthesize_clip(tempo_bpm=tempo, key=5, mode=0, seed=1))
    assert analysis.tempo == pytest.approx(tempo, rel=0.02)


@pytest.mark.parametrize("mode", [0, 1])
def test_key_and_mode_are_exact_in_every_key(mode):
    found = []
    for key in range(12):
        analysis, _ = analysed(make_clip(tempo=120, key=key, mode=mode, seed=key))
        found.append((analysis.key, analysis.mode))
    assert found == [(key, mode) for key in range(12)]


@pytest.mark.parametrize(("key", "mode"), [(0, 1), (9, 0), (4, 0), (10, 1)])
def test_key_and_mode_of_the_demo_synthesizer_clips_are_exact(key, mode):
    analysis, _ = analysed(synthesize_clip(tempo_bpm=110, key=key, mode=mode, seed=key))
    assert (analysis.key, analysis.mode) == (key, mode)
    assert analysis.key_confidence > 0.5 and analysis.mode_confidence > 0.5


@pytest.mark.parametrize(("tempo", "beats_per_bar"), [(110, 3), (123, 3), (110, 4), (123, 4)])
def test_time_signature_follows_the_bar_length(tempo, beats_per_bar):
    clip = make_clip(tempo=tempo, key=7, mode=1, beats_per_bar=beats_per_bar, seconds=12)
    analysis, _ = analysed(clip)
    assert analysis.time_signature == beats_per_bar
    assert analysis.time_signature_confidence > 0.05
    bar_gaps = np.diff(analysis.bars)
    assert np.median(bar_gaps) == pytest.approx(beats_per_bar * 60 / tempo, rel=0.05)


def test_integrated_loudness_follows_bs1770_for_a_sine():
    # BS.1770: a 997 Hz sine at full scale in one channel reads -3.01 LKFS.
    t = np.arange(5 * SR) / SR
    for amplitude in (0.5, 0.1):
        lufs, _ = loudness(amplitude * np.sin(2 * np.pi * 997 * t), SR)
        assert lufs == pytest.approx(-3.01 + 20 * np.log10(amplitude), abs=0.1)


def test_the_loudness_curve_drops_where_the_music_does():
    t = np.arange(6 * SR) / SR
    y = 0.5 * np.sin(2 * np.pi * 997 * t)
    y[3 * SR :] *= 0.1  # 20 dB quieter in the second half
    _, curve = loudness(y, SR)
    assert curve.size == pytest.approx(57, abs=2)  # 0.4 s blocks every 0.1 s over 6 s
    assert curve[5] - curve[-5] == pytest.approx(20, abs=0.5)


def test_a_clip_too_quiet_for_the_loudness_gate_is_an_audio_error():
    t = np.arange(2 * SR) / SR
    with pytest.raises(AudioError, match="silent"):
        loudness(1e-4 * np.sin(2 * np.pi * 440 * t), SR)


def test_segments_start_at_the_notes_and_carry_their_pitch():
    starts, pitch_classes = [0.5, 1.3, 2.0, 2.9], [0, 4, 7, 9]  # C, E, G, A
    t = np.arange(int(3.6 * SR)) / SR
    y = np.zeros_like(t)
    for start, pc in zip(starts, pitch_classes, strict=True):
        hz = 261.63 * 2 ** (pc / 12)
        on = t >= start
        y += on * np.sin(2 * np.pi * hz * (t - start)) * np.exp(-np.maximum(t - start, 0) / 0.15)
    analysis, _ = analysed((0.8 * y / np.abs(y).max()).astype(np.float32))
    found = [s for s in analysis.segments if s.start > 0.2]
    assert [s.start for s in found] == pytest.approx(starts, abs=0.08)
    assert [int(np.argmax(s.pitches)) for s in found] == pitch_classes
    for segment in found:
        assert len(segment.timbre) == 12 and max(segment.pitches) == pytest.approx(1.0)
        assert segment.loudness_max >= segment.loudness_start
        assert 0 <= segment.loudness_max_time < segment.duration


def test_the_log_mel_spectrogram_has_the_cnn_shape():
    clip = make_clip(tempo=120, key=0, mode=1, seconds=8)
    _, mel = analysed(clip)
    assert mel.shape[0] == N_MELS and mel.dtype == np.float32
    assert mel.shape[1] == Spectra.of(clip, SR).n_frames == 1 + clip.size // 512
    assert np.isfinite(mel).all()


def test_analysis_to_dict_is_json_and_keeps_the_files_clock(tmp_path):
    path = tmp_path / "clip.flac"
    sf.write(path, make_clip(tempo=120, key=0, mode=1), SR)
    analysis, _ = analyze_file(path)
    data = json.loads(json.dumps(analysis.to_dict()))
    assert data["beats"] == sorted(data["beats"]) and data["bars"][0] in data["beats"]
    assert len(data["loudness_curve"]["values"]) > 10 and data["segments"]
    assert data["analyzer_version"] == analysis.analyzer_version


def test_the_command_prints_one_json_object_per_file(tmp_path, capsys):
    good = tmp_path / "good.ogg"
    sf.write(good, make_clip(tempo=100, key=9, mode=0), SR, format="OGG", subtype="VORBIS")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    status = main([str(good), str(bad), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert lines[0]["file"] == str(good) and lines[0]["key"] == 9 and lines[0]["mode"] == 0
    estimates = {"tempo", "key", "mode", "time_signature"}
    assert estimates | {"loudness"} | {f"{name}_confidence" for name in estimates} <= set(lines[0])
    assert lines[1]["file"] == str(bad) and "cannot decode" in lines[1]["error"]


def test_sample_values_far_outside_audio_are_a_corrupt_file_said_plainly(tmp_path):
    import soundfile

    from recommender.audio.decode import load_audio as decode

    t = np.arange(2 * SR) / SR
    huge = tmp_path / "huge.wav"
    soundfile.write(huge, (1e30 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), SR,
                    subtype="FLOAT")  # fmt: skip
    with pytest.raises(AudioError, match="far outside audio's -1..1 .corrupt file."):
        decode(huge)
    short = tmp_path / "short.wav"
    soundfile.write(short, (0.5 * np.sin(2 * np.pi * 440 * t[: SR - 10])).astype(np.float32), SR)
    with pytest.raises(AudioError, match=r"0\.999 s long \(rounded down\), shorter than"):
        decode(short)
