import numpy as np
import pytest
import scipy.sparse as sp

from recommender.interactions import IdMap
from recommender.playlist import (
    MAX_TRACKS_PER_ARTIST,
    PLAYLIST_LENGTH,
    Catalog,
    Controls,
    Pairs,
    Rules,
    build_playlists,
)
from recommender.playlist_flow import camelot, distances
from recommender.scoring import ListenerBatch
from tests.recommender.matrix_scorer import MatrixScorer

N_ARTISTS, PER_ARTIST = 80, 4
N_TRACKS = N_ARTISTS * PER_ARTIST
TRACK_IDS = np.arange(1000, 1000 + N_TRACKS)
ARTIST_IDS = 50 + np.repeat(np.arange(N_ARTISTS), PER_ARTIST)
LISTENERS = np.arange(10, 16)


def catalog(**changes):
    rng = np.random.default_rng(0)
    fields = dict(
        track_ids=TRACK_IDS,
        artist_ids=ARTIST_IDS,
        popularity=np.linspace(100, 1, N_TRACKS),
        tempo=rng.uniform(70, 170, N_TRACKS),
        key=rng.integers(0, 12, N_TRACKS),
        mode=rng.integers(0, 2, N_TRACKS),
        vectors=rng.standard_normal((N_TRACKS, 8)),
    )
    fields.update(changes)
    return Catalog(**fields)


def listeners(played_per_listener=8, seed=1, listener_ids=LISTENERS, among=N_TRACKS // 4):
    """Each listener played a few of the first `among` tracks (so those artists are familiar)."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for row in range(len(listener_ids)):
        picked = rng.choice(among, played_per_listener, replace=False)
        rows += [row] * played_per_listener
        cols += picked.tolist()
    history = sp.csr_matrix(
        (np.full(len(rows), 3.0, np.float32), (rows, cols)), shape=(len(listener_ids), N_TRACKS)
    )
    return ListenerBatch(listener_ids, history, IdMap(TRACK_IDS))


def cf_scores(seed=2):
    return np.random.default_rng(seed).standard_normal((len(LISTENERS), N_TRACKS))


def cf(matrix=None):
    return MatrixScorer("cf", LISTENERS, TRACK_IDS, cf_scores() if matrix is None else matrix)


def had(batch, row):
    return set(batch.played(row)[0].tolist())


def picks_of(result, row):
    ids = result.track_ids[row]
    return ids[ids >= 0]


# -- the promises --------------------------------------------------------------------------


def test_a_playlist_is_thirty_tracks_never_had_by_thirty_different_artists():
    batch = listeners()
    result = build_playlists(batch, catalog(), [cf()])
    for row in range(len(batch)):
        tracks = picks_of(result, row)
        assert tracks.size == PLAYLIST_LENGTH
        assert len(set(tracks.tolist())) == PLAYLIST_LENGTH
        assert not set(tracks.tolist()) & had(batch, row)
        assert len(set(result.artist_ids[row].tolist())) == PLAYLIST_LENGTH
        assert result.shortfalls[row] is None


def test_no_artist_ever_gets_more_than_two_tracks_even_when_artists_run_short():
    few = catalog(artist_ids=50 + np.arange(N_TRACKS) % 18)  # 18 artists, many tracks each
    result = build_playlists(listeners(), few, [cf()])
    for row in range(len(LISTENERS)):
        _, per_artist = np.unique(
            result.artist_ids[row][result.artist_ids[row] >= 0], return_counts=True
        )
        assert per_artist.max() <= MAX_TRACKS_PER_ARTIST
        assert picks_of(result, row).size == PLAYLIST_LENGTH
        assert per_artist.size == 18  # every artist before any artist twice


def test_skipped_refused_and_previous_playlist_tracks_never_come_back():
    batch = listeners()
    first = build_playlists(batch, catalog(), [cf()])
    gone = [picks_of(first, row)[:10].tolist() for row in range(len(batch))]
    for field in ("skipped", "refused", "previous"):
        controls = Controls(**{field: Pairs.from_lists(gone)})
        again = build_playlists(batch, catalog(), [cf()], controls=controls)
        for row in range(len(batch)):
            assert not set(picks_of(again, row).tolist()) & set(gone[row]), field


def test_a_hidden_artist_never_appears_even_with_the_best_scores():
    scores = cf_scores()
    favourite = ARTIST_IDS[-1]
    scores[:, ARTIST_IDS == favourite] = 100.0
    hidden = Pairs(np.arange(len(LISTENERS)), np.full(len(LISTENERS), favourite))
    shown = build_playlists(listeners(), catalog(), [cf(scores)])
    assert (shown.artist_ids == favourite).any(axis=1).all()
    result = build_playlists(
        listeners(), catalog(), [cf(scores)], controls=Controls(hidden_artists=hidden)
    )
    assert not (result.artist_ids == favourite).any()
    assert (result.track_ids >= 0).sum(axis=1).min() == PLAYLIST_LENGTH


def test_curator_blocked_tracks_and_artists_are_never_offered():
    scores = cf_scores()
    scores[:, :8] = 100.0  # the blocked ones would be everyone's best
    blocked = catalog(blocked_tracks=TRACK_IDS[:4], blocked_artists=[ARTIST_IDS[4]])
    result = build_playlists(listeners(played_per_listener=0), blocked, [cf(scores)])
    assert not np.isin(result.track_ids, TRACK_IDS[:8]).any()


def test_not_for_me_damps_the_artist_without_hiding_it():
    scores = cf_scores()
    artist = ARTIST_IDS[-1]
    scores[:, ARTIST_IDS == artist] = np.linspace(2.0, 1.6, PER_ARTIST)
    refused_track = TRACK_IDS[ARTIST_IDS == artist][0]
    controls = Controls(
        refused=Pairs([0], [refused_track]),
        damped_artists=Pairs([0], [artist]),
    )
    plain = build_playlists(listeners(), catalog(), [cf(scores)])
    damped = build_playlists(listeners(), catalog(), [cf(scores)], controls=controls)
    before = plain.scores[0][plain.artist_ids[0] == artist]
    after = damped.scores[0][damped.artist_ids[0] == artist]
    assert refused_track in picks_of(plain, 0) and refused_track not in picks_of(damped, 0)
    strong = build_playlists(
        listeners(), catalog(), [cf(scores)], controls=controls, rules=Rules(pool_size=N_TRACKS)
    )
    assert after.size == 0 or after.max() < before.max() - 0.5
    assert (plain.artist_ids[1] == artist).any() and (damped.artist_ids[1] == artist).any()
    assert strong.track_ids.shape[1] == PLAYLIST_LENGTH


def test_the_discovery_setting_moves_the_share_of_new_artists():
    batch = listeners(played_per_listener=50, among=N_TRACKS // 2)  # 40 artists to know
    scores = cf_scores()
    scores[:, : N_TRACKS // 2] += 1.0  # familiar artists score a little higher, as CF does
    shares = []
    for discovery in (0.0, 0.5, 1.0):
        controls = Controls(discovery=np.full(len(LISTENERS), discovery))
        result = build_playlists(batch, catalog(), [cf(scores)], controls=controls)
        shares.append(result.new_artist.sum(axis=1).mean() / PLAYLIST_LENGTH)
    assert shares[0] < 0.15 and 0.4 <= shares[1] <= 0.6 and shares[2] > 0.9


def test_diversity_reaches_beyond_a_cluster_of_near_identical_top_picks():
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((N_TRACKS, 8))
    cluster = np.arange(N_TRACKS // 2, N_TRACKS, PER_ARTIST)  # one track of each of 40 artists
    vectors[cluster] = vectors[0] + 0.01 * rng.standard_normal((40, 8))
    scores = cf_scores()
    scores[:, cluster] += 2.5
    batch, c = listeners(), catalog(vectors=vectors)
    plain = build_playlists(
        batch, c, [cf(scores)], rules=Rules(diversity=0, new_artist_share=False)
    )
    diverse = build_playlists(batch, c, [cf(scores)], rules=Rules(new_artist_share=False))
    in_cluster = lambda result: np.isin(result.track_ids, TRACK_IDS[cluster]).sum(axis=1)  # noqa: E731
    assert (in_cluster(plain) >= 25).all()
    assert (in_cluster(diverse) <= in_cluster(plain) - 5).all()


def test_the_order_flows_from_the_best_pick_through_close_tempo_and_key():
    batch = listeners()
    flowing = build_playlists(batch, catalog(), [cf()])
    ranked = build_playlists(batch, catalog(), [cf()], rules=Rules(flow=False))
    positions = {tid: i for i, tid in enumerate(TRACK_IDS.tolist())}
    c = catalog()

    def mean_step(result, row):
        at = [positions[t] for t in picks_of(result, row).tolist()]
        d = distances(c.tempo[at][None], c.key[at][None], c.mode[at][None])[0]
        return np.mean([d[i, i + 1] for i in range(len(at) - 1)])

    for row in range(len(batch)):
        assert set(picks_of(flowing, row)) == set(picks_of(ranked, row))
        assert flowing.track_ids[row, 0] == ranked.track_ids[row, 0]
        assert mean_step(flowing, row) < 0.6 * mean_step(ranked, row)


# -- short playlists ------------------------------------------------------------------------


def test_fewer_possible_picks_give_them_all_and_say_why():
    batch = listeners(played_per_listener=N_TRACKS // 4)  # all of the first 20 artists' tracks
    small = Catalog(TRACK_IDS[:90], np.arange(90), np.ones(90))  # 90 tracks, one artist each
    result = build_playlists(batch, small, [cf()])
    for row in range(len(batch)):
        left = 90 - len(had(batch, row) & set(TRACK_IDS[:90].tolist()))
        assert picks_of(result, row).size == left < PLAYLIST_LENGTH
        assert result.shortfalls[row].code == "few_tracks"
        assert str(left) in result.shortfalls[row].message


def test_a_listener_who_had_everything_gets_an_empty_playlist_and_a_reason():
    everything = sp.csr_matrix(np.ones((1, N_TRACKS), np.float32))
    batch = ListenerBatch(LISTENERS[:1], everything, IdMap(TRACK_IDS))
    result = build_playlists(batch, catalog(), [cf()])
    assert picks_of(result, 0).size == 0
    assert result.shortfalls[0].code == "nothing_left"


def test_too_few_artists_fill_what_two_tracks_each_allow_and_say_so():
    few = catalog(artist_ids=50 + np.arange(N_TRACKS) % 12)  # 12 artists: 24 tracks at most
    result = build_playlists(listeners(), few, [cf()])
    assert (result.track_ids >= 0).sum(axis=1).tolist() == [24] * len(LISTENERS)
    assert {s.code for s in result.shortfalls} == {"few_artists"}


# -- scores, contributions, reasons ----------------------------------------------------------


def test_each_pick_keeps_its_contributions_and_the_strongest_contributors_reason():
    rng = np.random.default_rng(8)
    audio = MatrixScorer("audio", LISTENERS, TRACK_IDS, rng.standard_normal((6, N_TRACKS)))
    result = build_playlists(listeners(), catalog(), [cf(), audio], {"cf": 0.6, "audio": 0.4})
    assert result.kinds == ("cf", "audio", "popularity")
    for playlist in result:
        for pick in playlist.picks:
            assert pick.score == pytest.approx(sum(pick.contributions.values()), abs=1e-4)
            strongest = max(pick.contributions, key=pick.contributions.get)
            if pick.contributions[strongest] > 0:
                assert pick.reason_kind == strongest
                assert pick.reason.text == f"{strongest} likes it"
            else:  # a model that pulled a pick down never explains it
                assert pick.reason is None and pick.reason_kind is None


def test_a_cold_start_listener_gets_a_popular_playlist_labelled_as_such():
    batch = listeners(listener_ids=[999])
    batch = ListenerBatch(
        batch.ids, sp.csr_matrix((1, N_TRACKS), dtype=np.float32), IdMap(TRACK_IDS)
    )
    result = build_playlists(batch, catalog(), [cf()])  # CF does not know listener 999
    playlist = result.playlist(0)
    assert playlist.cold_start and len(playlist.picks) == PLAYLIST_LENGTH
    assert {p.reason_kind for p in playlist.picks} == {"popularity"}
    assert all(p.new_artist for p in playlist.picks)
    top_artists = {ARTIST_IDS[i] for i in range(0, 2 * PLAYLIST_LENGTH * PER_ARTIST)}
    assert {p.artist_id for p in playlist.picks} <= top_artists


def test_a_missing_model_or_a_weight_of_zero_changes_nothing():
    culture = MatrixScorer("culture", LISTENERS, TRACK_IDS, cf_scores(seed=9))
    alone = build_playlists(listeners(), catalog(), [cf()])
    zero = build_playlists(listeners(), catalog(), [cf(), culture], {"culture": 0.0})
    np.testing.assert_array_equal(alone.track_ids, zero.track_ids)
    assert culture.calls == 0 and not zero.contributions[..., 1].any()


def test_inner_batches_build_the_same_playlists():
    whole = build_playlists(listeners(), catalog(), [cf()])
    pieces = build_playlists(
        listeners(), catalog(), [cf()], batch_cells=2 * N_TRACKS, batch_listeners=4
    )
    np.testing.assert_array_equal(whole.track_ids, pieces.track_ids)
    assert whole.shortfalls == pieces.shortfalls


# -- flow distances ---------------------------------------------------------------------------


def test_camelot_puts_relative_keys_on_one_number_and_fifths_next_to_each_other():
    c_major, a_minor, g_major, e_minor = camelot([0, 9, 7, 4], [1, 0, 1, 0])
    assert c_major == a_minor == 7  # 8B and 8A
    assert g_major == e_minor == 8  # 9B and 9A
    assert camelot([5], [-1])[0] == -1


def test_half_and_double_time_are_the_same_tempo_and_unknowns_add_nothing():
    d = distances(
        np.array([[120.0, 60.0, 126.0, np.nan]]), np.full((1, 4), -1), np.full((1, 4), -1)
    )[0]
    assert d[0, 1] == pytest.approx(0.0, abs=1e-9)
    assert d[0, 2] == pytest.approx(np.log2(1.05) / np.log2(1.06))
    assert d[0, 3] == 0.0 and np.allclose(d, d.T)


def test_with_every_model_missing_listeners_still_get_a_popular_playlist_of_new_tracks():
    batch = listeners()
    result = build_playlists(batch, catalog(), [])
    assert result.cold_start.all()
    for row in range(len(batch)):
        assert picks_of(result, row).size == PLAYLIST_LENGTH
        assert not set(picks_of(result, row).tolist()) & had(batch, row)


@pytest.mark.parametrize("prolific", [1, 12])
def test_artists_with_hundreds_of_tracks_do_not_leave_the_playlist_short(prolific):
    """The listener's favourite artists have 1,000 unplayed tracks between them, all scored
    above everything else; the pool still reaches enough other artists for 30 picks."""
    favourite = np.repeat(np.arange(prolific), 1000 // prolific + 1)[:1000]
    artists = np.concatenate([favourite, 100 + np.repeat(np.arange(200), 2)])
    track_ids = np.arange(1, artists.size + 1)
    world = Catalog(track_ids=track_ids, artist_ids=artists, popularity=np.ones(artists.size))
    history = sp.csr_matrix(
        (np.ones(1, np.float32), ([0], [artists.size - 1])), shape=(1, artists.size)
    )
    batch = ListenerBatch(np.array([7]), history, IdMap(track_ids))
    noise = np.random.default_rng(0).normal(0, 0.1, artists.size)
    scores = np.where(artists < 100, 5.0, 1.0) + noise
    result = build_playlists(batch, world, [MatrixScorer("cf", [7], track_ids, scores[None, :])])
    picks = result.track_ids[0]
    assert (picks >= 0).sum() == PLAYLIST_LENGTH and result.shortfalls[0] is None
    by_artist = np.unique(artists[picks - 1], return_counts=True)[1]
    assert by_artist.max() <= MAX_TRACKS_PER_ARTIST
    assert 1 <= (artists[picks - 1] < 100).sum() <= 2 * prolific  # the favourites lead
