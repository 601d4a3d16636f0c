"""The audio CNN: log-mel spectrograms in, predicted CF track vectors (V-hat) and an audio
embedding out.

After van den Oord, Dieleman & Schrauwen (2013): 1-D convolutions over time with the mel
bands as channels, global temporal pooling (mean, max and L2 over the whole clip, so any
length works), then dense layers to the CF dimension. It is trained to regress the CF
vectors of tracks with enough listens (MSE on standardised targets) on random crops, with
early stopping on a validation split; its penultimate layer is the "sounds like" embedding.
Deterministic for a seed on CPU; on a GPU when one is present (or when told). Saved as a
state_dict (`torch.load(weights_only=True)`) plus JSON meta: no pickle.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch import nn

from recommender.artifacts import write_atomic

ARTIFACT_FORMAT = "discover-weekly/audio-cnn"
ARTIFACT_VERSION = 1
WEIGHTS_FILE, META_FILE = "weights.pt", "meta.json"
MIN_LISTENS = 5  # a track's CF vector is a training target only with at least this many
KERNEL = 5  # frames (~0.12 s at the first layer, wider after each pooling)
CPU_THREADS = 1  # small batches: one thread per process; run processes in parallel instead


@dataclass(frozen=True)
class CNNParams:
    channels: int = 32
    embedding_dim: int = 128
    dropout: float = 0.2
    crop_frames: int = 128  # ~3 s of training crop at 43 frames/s
    batch_size: int = 32
    max_epochs: int = 60
    patience: int = 10  # epochs without a better validation loss before stopping
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.15
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> CNNParams:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class AudioNet(nn.Module):
    """Conv blocks over time -> mean/max/L2 pooling -> dense (embedding) -> CF dimension."""

    def __init__(self, n_mels: int, out_dim: int, params: CNNParams):
        super().__init__()
        c = params.channels
        self.register_buffer("band_mean", torch.zeros(n_mels, 1))
        self.register_buffer("band_std", torch.ones(n_mels, 1))
        self.convs = nn.Sequential(
            _block(n_mels, c, pool=4),
            _block(c, c, pool=2),
            _block(c, 2 * c, pool=1),
        )
        self.embed_layer = nn.Sequential(
            nn.Linear(3 * 2 * c, params.embedding_dim), nn.ReLU(), nn.Dropout(params.dropout)
        )
        self.head = nn.Linear(params.embedding_dim, out_dim)

    def embed(self, mel: torch.Tensor) -> torch.Tensor:
        """(batch, n_mels, frames) log-mel -> (batch, embedding_dim)."""
        x = self.convs((mel - self.band_mean) / self.band_std)
        pooled = torch.cat([x.mean(dim=2), x.amax(dim=2), x.pow(2).mean(dim=2).sqrt()], dim=1)
        return self.embed_layer(pooled)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(mel))


def _block(c_in: int, c_out: int, *, pool: int) -> nn.Sequential:
    layers = [nn.Conv1d(c_in, c_out, KERNEL, padding="same"), nn.BatchNorm1d(c_out), nn.ReLU()]
    if pool > 1:
        layers.append(nn.MaxPool1d(pool, ceil_mode=True))
    return nn.Sequential(*layers)


@dataclass(eq=False)
class AudioModel:
    """A trained network with the target standardisation it learned under."""

    net: AudioNet
    params: CNNParams
    n_mels: int
    target_mean: np.ndarray  # (k,)
    target_std: np.ndarray  # (k,)
    history: dict

    @property
    def out_dim(self) -> int:
        return int(self.target_mean.size)

    def predict(
        self,
        mels: Sequence[np.ndarray],
        *,
        device: str | None = None,
        batch_size: int = 64,
        threads: int = CPU_THREADS,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(V-hat (n, k), embeddings (n, embedding_dim)) float32 for log-mels of any length."""
        device = device or default_device()
        net = self.net.to(device).eval()
        vhat = np.zeros((len(mels), self.out_dim), dtype=np.float32)
        emb = np.zeros((len(mels), self.params.embedding_dim), dtype=np.float32)
        with torch.no_grad(), cpu_threads(threads):
            for rows in _same_length_batches(mels, batch_size):
                x = torch.from_numpy(np.stack([mels[i] for i in rows]).astype(np.float32))
                x = x.to(device)
                e = net.embed(x)
                emb[rows] = e.cpu().numpy()
                vhat[rows] = net.head(e).cpu().numpy()
        return vhat * self.target_std + self.target_mean, emb

    def save(self, directory: str | os.PathLike) -> Path:
        """Write weights.pt (a state_dict) and meta.json into `directory`; returns it."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": ARTIFACT_FORMAT,
            "version": ARTIFACT_VERSION,
            "params": asdict(self.params),
            "n_mels": self.n_mels,
            "target_mean": self.target_mean.tolist(),
            "target_std": self.target_std.tolist(),
            "history": self.history,
        }
        state = {k: v.detach().cpu() for k, v in self.net.state_dict().items()}
        write_atomic(directory / WEIGHTS_FILE, lambda fh: torch.save(state, fh))
        write_atomic(directory / META_FILE, lambda fh: fh.write(json.dumps(meta).encode()))
        return directory

    @classmethod
    def load(cls, directory: str | os.PathLike) -> AudioModel:
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text())
        if meta.get("format") != ARTIFACT_FORMAT or meta.get("version") != ARTIFACT_VERSION:
            raise ValueError(f"{directory} is not a {ARTIFACT_FORMAT} v{ARTIFACT_VERSION} model")
        params = CNNParams.from_dict(meta["params"])
        mean = np.asarray(meta["target_mean"], dtype=np.float32)
        net = AudioNet(meta["n_mels"], mean.size, params)
        state = torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        net.eval()
        std = np.asarray(meta["target_std"], dtype=np.float32)
        return cls(net, params, int(meta["n_mels"]), mean, std, meta.get("history", {}))


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@contextlib.contextmanager
def cpu_threads(n: int) -> Iterator[None]:
    """torch's intra-op CPU threads set to `n` for a block. On a busy 2-core machine one
    thread is ~6x faster than two for these small convolutions (no waiting for a core)."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(
    mels: Sequence[np.ndarray],
    targets: np.ndarray,
    params: CNNParams | None = None,
    *,
    device: str | None = None,
    threads: int = CPU_THREADS,
    progress: Callable[[int, int, float], None] | None = None,
) -> AudioModel:
    """Fit the CNN to map each log-mel (n_mels, frames) to its row of `targets` (n, k).

    Spectrograms may be float16 (half the memory); batches are converted to float32.
    A `val_fraction` of the tracks is held out; training stops when its loss has not improved
    for `patience` epochs and the best epoch's weights are kept. `progress(epoch, max_epochs,
    val_loss)` is called after each epoch.
    """
    targets = np.asarray(targets, dtype=np.float32)
    if len(mels) != targets.shape[0] or len(mels) < 4:
        raise ValueError(f"need at least 4 clips and one target row each, got {len(mels)}")
    with cpu_threads(threads):
        return _train(mels, targets, params or CNNParams(), device or default_device(), progress)


def _train(mels, targets, params, device, progress) -> AudioModel:
    torch.manual_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    order = rng.permutation(len(mels))
    n_val = max(1, int(round(params.val_fraction * len(mels))))
    val, fit = order[:n_val], order[n_val:]
    n_mels = int(mels[0].shape[0])
    mean, std = targets[fit].mean(axis=0), targets[fit].std(axis=0) + 1e-6
    scaled = (targets - mean) / std
    net = AudioNet(n_mels, targets.shape[1], params)
    _set_band_stats(net, [mels[i] for i in fit])
    net.to(device)
    optimiser = torch.optim.AdamW(
        net.parameters(), lr=params.learning_rate, weight_decay=params.weight_decay
    )
    best_loss, best_state, best_epoch, history = np.inf, None, 0, []
    for epoch in range(1, params.max_epochs + 1):
        started = time.perf_counter()
        train_loss = _epoch(net, optimiser, mels, scaled, fit, params, rng, device)
        val_loss = _validation_loss(net, mels, scaled, val, device)
        seconds = round(time.perf_counter() - started, 3)
        history.append(
            {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "seconds": seconds}
        )
        if progress is not None:
            progress(epoch, params.max_epochs, val_loss)
        if val_loss < best_loss - 1e-5:
            best_loss, best_epoch = val_loss, epoch
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        elif epoch - best_epoch >= params.patience:
            break
    net.load_state_dict(best_state)
    net.eval()
    summary = {
        "epochs": history,
        "best_epoch": best_epoch,
        "best_val_loss": best_loss,
        "n_train": int(fit.size),
        "n_val": int(val.size),
    }
    return AudioModel(net.cpu(), params, n_mels, mean, std, summary)


def _set_band_stats(net: AudioNet, mels: Sequence[np.ndarray]) -> None:
    """Per-band mean and standard deviation over every training frame (float64 sums)."""
    count = sum(m.shape[1] for m in mels)
    total = sum(m.sum(axis=1, dtype=np.float64) for m in mels)
    mean = total / count
    square = sum(np.square(m, dtype=np.float64).sum(axis=1) for m in mels) / count
    std = np.sqrt(np.maximum(square - mean**2, 0)) + 1e-3
    net.band_mean.copy_(torch.from_numpy(mean[:, None].astype(np.float32)))
    net.band_std.copy_(torch.from_numpy(std[:, None].astype(np.float32)))


def _epoch(net, optimiser, mels, targets, rows, params, rng, device) -> float:
    net.train()
    rows = rng.permutation(rows)
    total, count = 0.0, 0
    for start in range(0, rows.size, params.batch_size):
        batch = rows[start : start + params.batch_size]
        if batch.size < 2:  # BatchNorm needs two samples
            continue
        crops = [_crop(mels[i], params.crop_frames, rng) for i in batch]
        x = torch.from_numpy(np.stack(crops).astype(np.float32))
        y = torch.from_numpy(targets[batch])
        optimiser.zero_grad()
        loss = nn.functional.mse_loss(net(x.to(device)), y.to(device))
        loss.backward()
        optimiser.step()
        total += float(loss.detach()) * batch.size
        count += batch.size
    return total / max(count, 1)


def _validation_loss(net, mels, targets, rows, device) -> float:
    net.eval()
    total = 0.0
    with torch.no_grad():
        for batch in _same_length_batches([mels[i] for i in rows], 64):
            x = np.stack([mels[rows[i]] for i in batch]).astype(np.float32)
            x = torch.from_numpy(x).to(device)
            y = torch.from_numpy(targets[rows[batch]]).to(device)
            total += float(nn.functional.mse_loss(net(x), y, reduction="sum")) / y.shape[1]
    return total / max(len(rows), 1)


def _crop(mel: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """A random `frames`-long window (edge-padded when the clip is shorter)."""
    if mel.shape[1] < frames:
        return np.pad(mel, ((0, 0), (0, frames - mel.shape[1])), mode="edge")
    start = int(rng.integers(0, mel.shape[1] - frames + 1))
    return mel[:, start : start + frames]


def _same_length_batches(mels: Sequence[np.ndarray], size: int) -> list[np.ndarray]:
    """Index batches of clips with equal frame counts (global pooling needs no padding)."""
    lengths = np.array([m.shape[1] for m in mels])
    out = []
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        out.extend(rows[i : i + size] for i in range(0, rows.size, size))
    return out
