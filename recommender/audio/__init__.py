"""Audio: decode, analysis, mel-spectrograms, the CNN and embeddings; `synth` makes test clips.

Paths and arrays in, arrays and plain dataclasses out. Submodules import their heavy
dependencies (librosa, torch, soundfile) themselves, so importing this package is cheap.
"""
