"""Small real audio files for the webapp's audio tests (synthesized, encoded by soundfile)."""

import io

import numpy as np
import soundfile as sf
from django.core.files.base import ContentFile

from recommender.audio.synth import synthesize_clip

FORMATS = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS")}


def clip_bytes(
    ext: str = "flac",
    *,
    tempo: float = 120.0,
    key: int = 0,
    mode: int = 1,
    seconds: float = 2.0,
    seed: int = 0,
    tags: dict | None = None,
) -> bytes:
    samples = synthesize_clip(
        tempo_bpm=tempo, key=key, mode=mode, seconds=seconds, sr=22_050, seed=seed
    )
    buffer = io.BytesIO()
    fmt, subtype = FORMATS[ext]
    with sf.SoundFile(buffer, "w", 22_050, 1, format=fmt, subtype=subtype) as fh:
        for name, value in (tags or {}).items():
            setattr(fh, name, value)
        fh.write(samples)
    return buffer.getvalue()


def clip_file(name: str, **kwargs) -> ContentFile:
    return ContentFile(clip_bytes(name.rsplit(".", 1)[-1], **kwargs), name=name)


def silence_file(name: str = "silence.wav", seconds: float = 2.0) -> ContentFile:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(int(seconds * 22_050)), 22_050, format="WAV")
    return ContentFile(buffer.getvalue(), name=name)
