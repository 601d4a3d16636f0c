"""Offline evaluation: splits, metrics, baselines, CF tuning; python -m recommender.evaluate PATH.

`product.evaluate_product` is the product's own evaluation (temporal and random splits, and
the verdict against popularity); `tuning.tune_cf` chooses CF params on a validation split.
"""
