"""Recommender: a pure Python library (numpy, scipy, implicit, torch, librosa). No Django."""
