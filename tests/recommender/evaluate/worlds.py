"""Long-tailed, heavy-handed listening for the evaluation tests and the tuning benchmark.

A synthetic world of light listeners, a few heavy ones with tastes of their own (the same
catalog: `generate_world` draws the catalog before the listeners), and one listener who plays
400,000 times across 3,000 artists with no taste at all, as a shared account or a scrobbling
bot does. Out: `Signals` with play times, saves, visits and skips.
"""

import numpy as np

from recommender.evaluate.datasets import world_dataset
from recommender.evaluate.signals import Plays, Signals
from recommender.synthetic import WINDOW_SECONDS, World, generate_world


def long_tailed_world(
    *,
    light_listeners: int = 1500,
    tracks: int = 6000,
    artists: int = 3000,
    light_listens: float = 30,
    heavy_listeners: int = 10,
    heavy_listens: float = 15_000,
    broad_plays: int = 400_000,
    broad_artists: int = 3000,
    seed: int = 0,
) -> tuple[Signals, World]:
    """(signals, the light world). Heavy listeners follow the light ones in id order; the
    broad listener comes last."""
    sizes = {"n_tracks": tracks, "n_artists": artists, "seed": seed}
    light = generate_world(
        n_listeners=light_listeners, mean_listens_per_listener=light_listens, **sizes
    )
    signals = world_dataset(light).signals
    if heavy_listeners:
        heavy = generate_world(
            n_listeners=heavy_listeners, mean_listens_per_listener=heavy_listens, **sizes
        )
        assert (heavy.track_artist == light.track_artist).all(), "catalogs differ"
        signals = _merge(signals, world_dataset(heavy).signals, offset=light_listeners)
    if broad_plays:
        listener = light_listeners + heavy_listeners
        signals = _add_broad_listener(signals, light, listener, broad_plays, broad_artists, seed)
    return signals, light


def play_totals(signals: Signals) -> np.ndarray:
    """Plays per listener, in `signals.id_maps()` row order."""
    users, _ = signals.id_maps()
    rows = users.index_of(signals.plays.user)
    return np.bincount(rows, weights=signals.plays.count, minlength=len(users))


def _merge(a: Signals, b: Signals, *, offset: int) -> Signals:
    pa, pb = a.plays, b.plays
    plays = Plays(
        np.r_[pa.user, pb.user + offset],
        np.r_[pa.item, pb.item],
        np.r_[pa.count, pb.count],
        np.r_[pa.first, pb.first],
        np.r_[pa.last, pb.last],
    )
    others = {
        name: (
            np.r_[a.others[name][0], b.others[name][0] + offset],
            np.r_[a.others[name][1], b.others[name][1]],
            np.r_[a.others[name][2], b.others[name][2]],
        )
        for name in a.others
    }
    return Signals(plays, others)


def _add_broad_listener(
    signals: Signals, world: World, listener: int, plays: int, artists: int, seed: int
) -> Signals:
    """One listener's `plays` over the first track of `artists` random artists, Zipf-shaped
    counts, each track first played in the first half of the window and last in the second."""
    rng = np.random.default_rng(seed + 1)
    n_artists = len(world.artist_names)
    chosen = rng.choice(n_artists, size=min(artists, n_artists), replace=False)
    tracks = np.unique(np.searchsorted(world.track_artist, chosen))
    weights = 1.0 / np.arange(1, tracks.size + 1)
    rng.shuffle(weights)
    counts = rng.multinomial(plays, weights / weights.sum()).astype(np.float64)
    played = counts > 0
    tracks, counts = tracks[played], counts[played]
    first = world.end_time - rng.integers(WINDOW_SECONDS // 2, WINDOW_SECONDS, tracks.size)
    last = world.end_time - rng.integers(1, WINDOW_SECONDS // 2, tracks.size)
    old = signals.plays
    return Signals(
        Plays(
            np.r_[old.user, np.full(tracks.size, listener)],
            np.r_[old.item, tracks],
            np.r_[old.count, counts],
            np.r_[old.first, first],
            np.r_[old.last, last],
        ),
        signals.others,
    )
