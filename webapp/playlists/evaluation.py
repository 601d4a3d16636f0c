"""The weekly playlist evaluated on the product's own listening (`manage.py evaluate --playlist`).

The database's plays and saves (weighted as the models see them), each track's artist, tempo,
key and mode where analysed, and each listener's skips in; the library's playlist evaluation
(`recommender.evaluate.playlist_eval`) out: per variant (the playlist with all its rules,
popularity with the same rules, CF's raw top 30, and each rule left out) the hit rate and the
hidden tracks and artists found per listener.
"""

import numpy as np
import scipy.sparse as sp

from recommender.evaluate.playlist_eval import ListeningData
from recommender.interactions import IdMap
from recommender.playlist_types import Pairs
from webapp.audio.selectors import track_features_arrays
from webapp.dbarrays import sql_arrays
from webapp.listening.selectors import signals_weighted
from webapp.playlists.selectors import HISTORY_WEIGHTS


def playlist_data() -> ListeningData:
    track_ids, artist_ids = sql_arrays(
        "SELECT id, artist_id FROM catalog_track ORDER BY id", ("i8", "i8")
    )
    items = IdMap(track_ids)
    users_, tracks, weights = signals_weighted(weights=HISTORY_WEIGHTS)
    users = IdMap.from_ids(users_)
    counts = sp.csr_matrix(
        (weights.astype(np.float32), (users.index_of(users_), items.index_of(tracks))),
        shape=(len(users), len(items)),
    )
    counts.sum_duplicates()
    skip_users, skip_tracks = sql_arrays(
        "SELECT user_id, track_id FROM listening_tracksignal WHERE skip_count > 0", ("i8", "i8")
    )
    rows = users.index_of(skip_users)
    tempo = key = mode = None
    features = track_features_arrays()
    if features is not None:
        at = items.index_of(features[0])
        tempo = np.full(len(items), np.nan, dtype=np.float32)
        key = np.full(len(items), -1, dtype=np.int64)
        mode = np.full(len(items), -1, dtype=np.int64)
        tempo[at], key[at], mode[at] = features[1], features[2], features[3]
    return ListeningData(
        name="this database",
        counts=counts,
        users=users,
        items=items,
        item_artist=artist_ids,
        tempo=tempo,
        key=key,
        mode=mode,
        skipped=Pairs(rows[rows >= 0], skip_tracks[rows >= 0]),
    )
