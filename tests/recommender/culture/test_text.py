"""Text normalization and tokenization keep offsets and agree with the catalog's names."""

from recommender.culture.text import name_tokens, normalize_name, strip_markup, tokenize


def test_names_fold_case_accents_and_punctuation_into_the_same_tokens():
    assert name_tokens("Björk") == name_tokens("BJORK") == ("bjork",)
    assert name_tokens("AC/DC") == ("ac", "dc")
    assert name_tokens("Sigur Rós") == ("sigur", "ros")
    assert normalize_name("  The   Beatles ") == "the beatles"


def test_a_name_made_only_of_symbols_keeps_its_characters_and_has_no_word_tokens():
    assert normalize_name("!!!") == "!!!"
    assert name_tokens("!!!") == ()


def test_tokens_point_back_into_the_original_text():
    text = "Björk’s new album"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["bjork", "s", "new", "album"]
    assert [text[t.start : t.end] for t in tokens] == ["Björk", "s", "new", "album"]


def test_markup_urls_and_entities_are_removed():
    cleaned = strip_markup("<p>Hazy &amp; warm</p> see https://example.org/x?y=1 or a@b.org")
    assert "<p>" not in cleaned and "https" not in cleaned and "a@b.org" not in cleaned
    assert "Hazy & warm" in cleaned
