"""Term extraction: unigrams, bigrams, noun phrases; no stop words, boilerplate, URLs, names."""

from recommender.culture.terms import extract_terms, normalize_term


def test_unigrams_bigrams_and_noun_phrases_come_from_runs_of_content_words():
    terms = extract_terms("A dreamy bedroom pop record. Hazy guitars!")
    assert {"dreamy", "bedroom", "pop", "record", "hazy", "guitars"} <= set(terms)
    assert {"dreamy bedroom", "bedroom pop", "pop record", "hazy guitars"} <= set(terms)
    assert "dreamy bedroom pop record" in terms  # a 4-word run is a noun phrase
    assert "record hazy" not in terms  # no term spans a sentence break


def test_stop_words_numbers_urls_markup_and_page_furniture_are_not_terms():
    terms = extract_terms(
        "Accept cookies and subscribe to our newsletter. <b>It</b> was the 2019 tour. "
        "Visit https://example.org/tour &amp; share on twitter."
    )
    assert set(terms) == {"tour", "visit"}


def test_counts_add_up_and_hyphenated_words_stay_whole():
    terms = extract_terms("Lo-fi, lo-fi and more lo-fi.")
    assert terms["lo-fi"] == 3


def test_skipped_spans_such_as_artist_names_never_become_terms():
    text = "Massive Attack made trip-hop darker."
    terms = extract_terms(text, skip_spans=[(0, len("Massive Attack"))])
    assert "massive" not in terms and "attack" not in terms and "attack made" not in terms
    assert {"trip-hop", "darker", "trip-hop darker"} <= set(terms)


def test_tags_normalize_like_extracted_terms():
    assert normalize_term("  Lo-Fi ") == "lo-fi"
    assert normalize_term("Dream Pop") == "dream pop"
    assert normalize_term("The") == ""
