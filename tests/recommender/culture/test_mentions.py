"""Artist and track mentions: word boundaries, aliases, guarded common-word names, weights."""

from recommender.culture.mentions import (
    ABOUT_WEIGHT,
    PASSING_CAP,
    PASSING_WEIGHT,
    ArtistMatcher,
    TrackMatcher,
    is_guarded,
)

NAMES = {1: "Low", 2: "Yes", 3: "Björk", 4: "AC/DC", 5: "The Who", 6: "Sigur Rós", 7: "Air"}


def matcher(aliases=None):
    return ArtistMatcher(list(NAMES), list(NAMES.values()), aliases=aliases)


def found(text, title="", m=None):
    return {x.entity_id: x for x in (m or matcher()).find(text, title=title)}


def test_matches_ignore_case_and_accents_and_respect_word_boundaries():
    hits = found("bjork and BJÖRK, then ac/dc; but Bjorkman and Sigur Rosary are not them.")
    assert hits[3].count == 2
    assert hits[4].count == 1
    assert 6 not in hits


def test_positions_are_character_offsets_of_each_occurrence():
    text = "Sigur Rós played. Later Sigur Ros again."
    hit = found(text)[6]
    assert hit.positions == [0, 24]
    assert [text[s:e] for s, e in hit.spans] == ["Sigur Rós", "Sigur Ros"]


def test_an_alias_counts_as_the_artist():
    hits = found("Gudmundsdottir sang.", m=matcher({3: ["Björk Guðmundsdóttir", "Gudmundsdottir"]}))
    assert hits[3].count == 1


def test_common_word_names_need_more_evidence_than_a_match():
    assert is_guarded(("low",)) and is_guarded(("the", "who")) and not is_guarded(("bjork",))
    assert found("The weather was low and yes, the air was cold. Who knows?") == {}
    assert found("Low spirits. Yes! Air is free.") == {}  # capitalized, but sentence-initial


def test_a_common_word_name_counts_when_written_as_a_name_next_to_a_music_word():
    hits = found("We heard the new Low album, and then The Who played a long set.")
    assert hits[1].count == 1 and hits[5].count == 1
    assert found('The single "Air" is on repeat.')[7].count == 1


def test_a_title_makes_the_page_about_the_artist_and_its_guarded_name_count_in_the_body():
    hits = found("Their slowcore records are quiet; low is a mood, Low a band.", title="Low")
    assert hits[1].in_title and hits[1].weight == ABOUT_WEIGHT
    assert hits[1].count == 2


def test_passing_mentions_weigh_less_than_a_title_and_are_capped():
    hits = found("Björk. Björk! Björk? Björk; Björk.")
    assert hits[3].weight == PASSING_CAP < ABOUT_WEIGHT
    assert found("Björk sang.")[3].weight == PASSING_WEIGHT


def test_the_longest_name_wins_where_names_overlap():
    m = ArtistMatcher([1, 2], ["Massive", "Massive Attack"])
    hits = {x.entity_id: x for x in m.find("Massive Attack released a record.")}
    assert set(hits) == {2}


def test_a_page_naming_no_known_artist_has_no_mentions():
    assert found("A quiet essay about gardening and the weather.") == {}


def test_tracks_count_only_next_to_their_artist_and_written_as_titles():
    tracks = TrackMatcher([10, 11], ["Teardrop", "Angel"], {10: 100, 11: 100})
    text = 'Their song "Teardrop" and the single Angel; a teardrop fell.'
    assert {m.entity_id: m.count for m in tracks.find(text, [100])} == {10: 1, 11: 1}
    assert tracks.find(text, [200]) == []
