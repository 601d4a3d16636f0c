"""recommender.audio.decode and .tags: every format to mono at one rate; bad files refused."""

import numpy as np
import pytest
import soundfile as sf

from recommender.audio.decode import MAX_SECONDS, SAMPLE_RATE, AudioError, load_audio
from recommender.audio.tags import read_tags

FORMATS = [("wav", "WAV", "PCM_16"), ("flac", "FLAC", "PCM_16"), ("ogg", "OGG", "VORBIS")]
if "MP3" in sf.available_formats():  # libsndfile >= 1.1 writes MPEG Layer III
    FORMATS.append(("mp3", "MP3", "MPEG_LAYER_III"))


def tone(seconds: float, rate: int, channels: int = 1, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * hz * t)
    return np.stack([mono] * channels, axis=1) if channels > 1 else mono


def write(path, data, rate, fmt, subtype, **tags):
    with sf.SoundFile(
        path, "w", rate, 1 if data.ndim == 1 else data.shape[1], format=fmt, subtype=subtype
    ) as fh:
        for name, value in tags.items():
            setattr(fh, name, value)
        fh.write(data)
    return path


@pytest.mark.parametrize(("ext", "fmt", "subtype"), FORMATS)
def test_each_format_decodes_to_mono_at_the_analysis_rate(tmp_path, ext, fmt, subtype):
    path = write(tmp_path / f"a.{ext}", tone(2.0, 44_100, channels=2), 44_100, fmt, subtype)
    decoded = load_audio(path)
    assert decoded.sample_rate == SAMPLE_RATE and decoded.samples.ndim == 1
    assert decoded.samples.dtype == np.float32
    assert decoded.seconds == pytest.approx(2.0, abs=0.06)  # mp3 adds encoder padding
    spectrum = np.abs(np.fft.rfft(decoded.samples))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / decoded.samples.size
    assert peak_hz == pytest.approx(440, abs=2)


@pytest.mark.parametrize(("ext", "fmt", "subtype"), FORMATS)
def test_tags_are_read_from_each_format(tmp_path, ext, fmt, subtype):
    path = write(
        tmp_path / f"t.{ext}", tone(1.5, 22_050), 22_050, fmt, subtype,
        artist="Ada Loop", title="Night Drive", album="Circuits",
    )  # fmt: skip
    tags = read_tags(path)
    assert (tags.artist, tags.title, tags.album) == ("Ada Loop", "Night Drive", "Circuits")


def test_a_file_without_tags_has_empty_tags(tmp_path):
    path = write(tmp_path / "plain.flac", tone(1.5, 22_050), 22_050, "FLAC", "PCM_16")
    assert read_tags(path).is_empty()


def test_a_long_file_is_analysed_on_a_centred_excerpt(tmp_path):
    rate = 8_000
    seconds = MAX_SECONDS + 40
    path = write(tmp_path / "long.flac", tone(seconds, rate), rate, "FLAC", "PCM_16")
    decoded = load_audio(path)
    assert decoded.seconds == pytest.approx(MAX_SECONDS, abs=0.01)
    assert decoded.duration_s == pytest.approx(seconds, abs=0.01)
    assert decoded.offset_s == pytest.approx(20.0, abs=0.01)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("corrupt.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)), "cannot decode"),
        ("notes.mp3", b"These are my lecture notes, not a song.\n" * 50, "cannot decode"),
        ("empty.ogg", b"", "cannot decode"),
        ("clip.m4a", b"\x00\x00\x00\x20ftypM4A ", "unsupported audio format .m4a"),
        ("README", b"hello", "unsupported audio format"),
    ],
)
def test_bad_files_raise_one_readable_error(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError, match=says) as info:
        load_audio(path)
    assert name in str(info.value)


def test_silence_is_refused(tmp_path):
    path = write(tmp_path / "quiet.wav", np.zeros(3 * 22_050), 22_050, "WAV", "PCM_16")
    with pytest.raises(AudioError, match="silent"):
        load_audio(path)


def test_a_clip_under_a_second_is_refused(tmp_path):
    path = write(tmp_path / "blip.wav", tone(0.4, 22_050), 22_050, "WAV", "PCM_16")
    with pytest.raises(
        AudioError, match=r"0\.400 s long \(rounded down\), shorter than the 1 s needed"
    ):
        load_audio(path)


def test_a_missing_file_is_an_audio_error(tmp_path):
    with pytest.raises(AudioError, match="not found"):
        load_audio(tmp_path / "gone.flac")
