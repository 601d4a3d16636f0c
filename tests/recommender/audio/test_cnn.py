"""recommender.audio.cnn: learns a tiny planted mapping, deterministic, saves without pickle."""

import numpy as np
import pytest
import torch

from recommender.audio.cnn import ARTIFACT_FORMAT, META_FILE, AudioModel, CNNParams, train

TINY = CNNParams(
    channels=8, embedding_dim=16, crop_frames=32, batch_size=8, max_epochs=25, patience=25
)


def planted(n: int, seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Class 0 clips have their energy in the low mel bands, class 1 in the high ones; the
    targets are one 4-d vector per class."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    mels = []
    for label in labels:
        mel = rng.normal(-60, 3, size=(24, int(rng.integers(40, 70)))).astype(np.float32)
        bands = slice(0, 8) if label == 0 else slice(16, 24)
        mel[bands] += 30 * (rng.random(mel.shape[1]) < 0.5)  # pulses in those bands
        mels.append(mel)
    vectors = np.array([[1.0, -1.0, 0.5, 0.0], [-1.0, 1.0, 0.0, 0.5]], dtype=np.float32)
    return mels, vectors[labels], labels


@pytest.fixture(scope="module")
def trained():
    mels, targets, _ = planted(40, seed=0)
    return train(mels, targets, TINY, device="cpu")


def test_predictions_on_unseen_clips_land_near_their_class_vector(trained):
    mels, targets, labels = planted(20, seed=1)
    vhat, _ = trained.predict(mels, device="cpu")
    other_class = np.where(labels[:, None] == 0, targets[labels == 1][0], targets[labels == 0][0])
    own_distance = np.linalg.norm(vhat - targets, axis=1)
    other_distance = np.linalg.norm(vhat - other_class, axis=1)
    assert vhat.shape == (20, 4)
    assert (own_distance < other_distance).mean() >= 0.9


def test_the_embedding_puts_same_sounding_clips_together(trained):
    mels, _, labels = planted(20, seed=2)
    _, emb = trained.predict(mels, device="cpu")
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    nearest = np.argmax(sims, axis=1)
    assert (labels[nearest] == labels).mean() >= 0.9


def test_training_stops_early_and_keeps_the_best_epoch():
    mels, targets, _ = planted(24, seed=3)
    model = train(mels, targets, CNNParams(**{**TINY.__dict__, "patience": 2}), device="cpu")
    epochs = model.history["epochs"]
    best = model.history["best_epoch"]
    assert len(epochs) <= TINY.max_epochs and len(epochs) - best <= 2
    assert model.history["best_val_loss"] == min(e["val_loss"] for e in epochs)


def test_same_seed_same_model():
    mels, targets, _ = planted(16, seed=4)
    params = CNNParams(**{**TINY.__dict__, "max_epochs": 3})
    a = train(mels, targets, params, device="cpu").predict(mels, device="cpu")[0]
    b = train(mels, targets, params, device="cpu").predict(mels, device="cpu")[0]
    np.testing.assert_array_equal(a, b)


def test_save_and_load_round_trip_without_pickle(trained, tmp_path):
    mels, _, _ = planted(6, seed=5)
    directory = trained.save(tmp_path / "cnn")
    assert (tmp_path / "cnn" / META_FILE).read_text().count(ARTIFACT_FORMAT) == 1
    torch.load(directory / "weights.pt", weights_only=True)  # plain tensors only
    loaded = AudioModel.load(directory)
    for got, want in zip(loaded.predict(mels), trained.predict(mels), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_a_wrong_artifact_is_refused(tmp_path):
    (tmp_path / META_FILE).write_text('{"format": "something-else", "version": 1}')
    with pytest.raises(ValueError, match="not a discover-weekly/audio-cnn"):
        AudioModel.load(tmp_path)


def test_too_few_clips_is_an_error():
    with pytest.raises(ValueError, match="at least 4 clips"):
        train([np.zeros((24, 40), np.float32)] * 2, np.zeros((2, 4)), TINY)
