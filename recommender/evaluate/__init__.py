"""Offline evaluation: splits, metrics, baselines; python -m recommender.evaluate PATH."""
