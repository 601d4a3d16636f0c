"""Culture writes: documents stored once, changed pages replaced, mentions against the
current catalog, curators' tags, sources."""

import pytest
from django.core.exceptions import ValidationError

from tests.webapp.culture_world import GARDEN, METAL, SHOEGAZE, artist, page, store, track
from webapp.culture import services
from webapp.culture.models import CrawlSource, Document, ManualTag, Mention, TrackMention

pytestmark = pytest.mark.django_db


def test_a_page_is_stored_once_by_url_and_once_by_content():
    artist("Slowdive")
    first = store(page("https://zine.test/a", "Slowdive", SHOEGAZE))
    again = store(page("https://zine.test/a", "Slowdive", SHOEGAZE))
    mirror = store(page("https://mirror.test/a", "Slowdive", "  " + SHOEGAZE + "\n"))
    assert first["stored"] == 1 and again["unchanged"] == 1
    assert mirror["duplicate_content"] == 1
    assert Document.objects.count() == 1 and Mention.objects.count() == 1


def test_a_changed_page_replaces_its_text_terms_and_mentions():
    slowdive, metallica = artist("Slowdive"), artist("Metallica")
    store(page("https://zine.test/a", "Slowdive live", SHOEGAZE))
    outcome = store(page("https://zine.test/a", "Metallica live", METAL))
    doc = Document.objects.get()
    assert outcome["updated"] == 1
    assert "thrash" in doc.terms and "shoegaze" not in doc.terms and doc.text == METAL
    assert list(Mention.objects.values_list("artist", flat=True)) == [metallica.pk]
    assert slowdive.culture_mentions.count() == 0


def test_mentions_keep_counts_positions_tracks_and_whether_the_title_names_the_artist():
    slowdive = artist("Slowdive")
    track(slowdive, "Alison")
    text = 'Slowdive opened with "Alison". ' + SHOEGAZE + " Slowdive closed the night."
    store(page("https://zine.test/a", "Slowdive at the Roundhouse", text))
    mention = Mention.objects.get()
    assert (mention.count, mention.in_title, mention.weight) == (2, True, 1.0)
    assert [text[p : p + 8] for p in mention.positions] == ["Slowdive", "Slowdive"]
    assert TrackMention.objects.get().track.title == "Alison"
    assert "slowdive" not in Document.objects.get().terms  # a name is not a term


def test_a_page_naming_no_known_artist_is_stored_and_counted():
    artist("Slowdive")
    assert store(page("https://zine.test/g", "Garden notes", GARDEN))["no_artist"] == 1
    assert Document.objects.count() == 1 and Mention.objects.count() == 0


def test_an_artist_added_later_is_found_when_an_unchanged_page_is_read_again():
    store(page("https://zine.test/a", "Slowdive", SHOEGAZE))
    assert Mention.objects.count() == 0
    slowdive = artist("Slowdive")
    assert store(page("https://zine.test/a", "Slowdive", SHOEGAZE))["unchanged"] == 1
    assert Mention.objects.get().artist == slowdive


def test_an_alias_finds_the_artist():
    bjork = artist("Björk")
    bjork.culture_aliases.create(alias="Björk Guðmundsdóttir")
    store(page("https://zine.test/b", "Live", "Bjork Gudmundsdottir sang. " + SHOEGAZE))
    assert Mention.objects.get().artist == bjork


def test_curators_tags_are_normalized_like_terms_and_stop_words_are_refused(curator):
    slowdive = artist("Slowdive")
    tag = services.manual_tag_add(artist=slowdive, tag="  Dream-Pop ", user=curator)
    assert tag.tag == "dream-pop" and tag.created_by == curator
    services.manual_tag_add(artist=slowdive, tag="DREAM-POP")
    assert ManualTag.objects.count() == 1
    with pytest.raises(services.CultureError, match="no descriptive word"):
        services.manual_tag_add(artist=slowdive, tag="the")


def test_a_url_gives_its_source_or_a_new_one_for_its_host():
    source, created = services.source_for_url(url="https://zine.test/reviews/", depth=1)
    assert created and source.domain_list() == ["zine.test"] and source.depth == 1
    again, created = services.source_for_url(url="https://zine.test/reviews/", depth=3)
    assert not created and again.pk == source.pk and again.depth == 3
    with pytest.raises(services.CultureError):
        services.source_for_url(url="ftp://zine.test/")


def test_a_start_url_outside_the_allowed_domains_is_refused():
    source = CrawlSource(name="x", start_urls="https://a.test/", allowed_domains="b.test")
    with pytest.raises(ValidationError, match="outside the allowed domains"):
        source.full_clean()
    CrawlSource(name="x", start_urls="https://news.b.test/", allowed_domains="b.test").full_clean()


@pytest.mark.parametrize(
    "name",
    [
        "The Beatles",
        "Björk",
        "AC/DC",
        "Guns N' Roses",
        "!!!",
        "Sigur Rós",
        "ß",
        "ｆｕｌｌ",
        "シガー",
    ],
)
def test_the_library_normalizes_names_exactly_as_the_catalog_does(name):
    from recommender.culture.text import normalize_name as library
    from webapp.catalog.normalize import normalize_name as catalog

    assert library(name) == catalog(name)
