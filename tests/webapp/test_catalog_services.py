"""webapp.catalog.services: artists identified by MBID or name, conflicts, bounded name work."""

import pytest

from webapp.catalog import services
from webapp.catalog.models import Artist, Track
from webapp.catalog.services import TrackRef, artists_resolve, tracks_resolve

pytestmark = pytest.mark.django_db

M1 = "24412926-c7bd-48e8-afad-8a285b42e131"
M2 = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


def test_an_artist_given_by_mbid_is_found_whatever_its_spelling():
    first = artists_resolve(refs=[TrackRef("Dool", "a", artist_mbid=M1)])
    again = artists_resolve(refs=[TrackRef("DOOL (NL band)", "b", artist_mbid=M1)])

    assert first == again
    assert Artist.objects.count() == 1


def test_one_mbid_under_two_spellings_in_one_batch_is_one_artist():
    ids = artists_resolve(
        refs=[TrackRef("Dool", "a", artist_mbid=M1), TrackRef("Dōōl", "b", artist_mbid=M1)]
    )

    assert ids[0] == ids[1]
    assert Artist.objects.get().name == "Dool"


def test_an_artist_known_by_name_takes_the_first_mbid_submitted_for_it():
    (known,) = artists_resolve(refs=[TrackRef("Dool", "a")])

    (matched,) = artists_resolve(refs=[TrackRef("dool", "b", artist_mbid=M1)])

    assert matched == known
    assert str(Artist.objects.get().mbid) == M1
    assert artists_resolve(refs=[TrackRef("Dool!", "c", artist_mbid=M1)]) == [known]


def test_a_name_held_by_another_mbid_is_another_artist_of_the_same_name():
    """Nirvana (US) and Nirvana (UK): both stored, told apart by MBID, as ListenBrainz does."""
    (us,) = artists_resolve(refs=[TrackRef("Nirvana", "a", artist_mbid=M1)])

    other, uk = artists_resolve(
        refs=[TrackRef("Other band", "x"), TrackRef("nirvana", "b", artist_mbid=M2)]
    )

    assert uk != us and other not in (us, uk)
    assert str(Artist.objects.get(pk=uk).mbid) == M2 and Artist.objects.get(pk=uk).name == "nirvana"
    assert artists_resolve(refs=[TrackRef("NIRVANA", "c", artist_mbid=M2)]) == [uk]
    assert artists_resolve(refs=[TrackRef("Nirvana", "d")]) == [us]  # the name alone: the first
    assert str(Artist.objects.get(pk=us).mbid) == M1  # neither took the other's id


def test_a_batch_that_meets_another_committing_the_name_under_another_mbid_keeps_both(
    monkeypatch,
):
    """Batch B read before batch A committed Nirvana (US); B's insert of Nirvana (UK) then hit
    the taken name and was skipped, and B answered 400 and lost its listens."""
    create = services._artists_create
    arrived = []

    def the_other_batch_commits_first(missing, by_mbid, by_name):
        if not arrived:
            arrived.append(
                Artist.objects.create(name="Nirvana", name_normalized="nirvana", mbid=M1)
            )
        create(missing, by_mbid, by_name)

    monkeypatch.setattr(services, "_artists_create", the_other_batch_commits_first)
    (uk,) = artists_resolve(refs=[TrackRef("Nirvana", "b", artist_mbid=M2)])

    (us,) = arrived
    assert uk != us.pk and str(Artist.objects.get(pk=uk).mbid) == M2
    assert Artist.objects.get(pk=us.pk).mbid is not None and str(us.mbid) == M1


def test_two_mbids_for_one_new_name_in_one_batch_are_two_artists():
    first, second, by_name = artists_resolve(
        refs=[
            TrackRef("Nirvana", "a", artist_mbid=M1),
            TrackRef("Nirvana", "b", artist_mbid=M2),
            TrackRef("Nirvana", "c"),
        ]
    )
    assert first != second and by_name == first
    assert {str(m) for m in Artist.objects.values_list("mbid", flat=True)} == {M1, M2}


def test_a_name_without_mbid_matches_the_artist_that_has_one():
    (with_mbid,) = artists_resolve(refs=[TrackRef("Nirvana", "a", artist_mbid=M1)])

    assert artists_resolve(refs=[TrackRef("NIRVANA", "b")]) == [with_mbid]


def test_each_distinct_name_is_normalized_once_per_batch(monkeypatch):
    calls = []
    normalize = services.normalize_name

    def counting(name):
        calls.append(name)
        return normalize(name)

    monkeypatch.setattr(services, "normalize_name", counting)
    refs = [TrackRef(f"Artist {i % 7}", f"Title {i % 40}") for i in range(1000)]
    refs += [TrackRef("Title 3", "Artist 2")]  # one string may be an artist and a title

    tracks_resolve(refs=refs)

    assert sorted(calls) == sorted({*(r.artist_name for r in refs), *(r.track_name for r in refs)})


def test_names_are_cut_to_the_column_length_before_they_are_stored():
    (track_id,) = tracks_resolve(refs=[TrackRef("\ufdfa" * 3300, "t" * 1000, "r" * 400)])

    track = Track.objects.select_related("artist").get(pk=track_id)
    assert len(track.artist.name) == len(track.title) == len(track.release_name) == 300


def test_an_artist_known_by_name_only_takes_one_of_two_mbids_in_a_batch():
    (known,) = artists_resolve(refs=[TrackRef("Nirvana", "a")])

    first, second, again = artists_resolve(
        refs=[
            TrackRef("Nirvana", "b", artist_mbid=M1),
            TrackRef("Nirvana", "c", artist_mbid=M2),
            TrackRef("nirvana", "d", artist_mbid=M2),
        ]
    )

    assert first == known and second == again != known
    assert str(Artist.objects.get(pk=known).mbid) == M1
    assert str(Artist.objects.get(pk=second).mbid) == M2
