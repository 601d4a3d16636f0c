"""Page checks and extraction: HTML only, no binary junk, main text without the furniture."""

import numpy as np

from crawler.extraction import content_refusal, extract, looks_binary
from tests.crawler.fixture_site import ESSAY, MALFORMED, page


def test_only_html_is_read():
    assert content_refusal("text/html; charset=utf-8", b"<p>hi</p>") is None
    assert content_refusal("application/xhtml+xml", b"<p>hi</p>") is None
    assert content_refusal("application/json", b"{}") == "not_html"
    assert content_refusal("", b"<p>hi</p>") == "not_html"


def test_binary_junk_served_as_html_is_refused():
    junk = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert looks_binary(junk) and content_refusal("text/html", junk) == "binary"
    assert not looks_binary("Björk’s “Homogenic”\n\tis glacial.".encode())


def test_extraction_keeps_the_article_and_drops_banners_menus_and_footers():
    found = extract(page("On the acoustics of churches", ESSAY), "http://x.test/essay.html")
    assert found.title == "On the acoustics of churches"
    assert "tuning forks" in found.text
    for furniture in ("cookies", "About us", "Copyright", "Subscribe"):
        assert furniture not in found.text


def test_malformed_html_still_gives_its_text_and_a_page_without_writing_gives_none():
    assert "brass band" in extract(MALFORMED, "http://x.test/b.html").text
    assert extract("<html><body><nav>Home</nav></body></html>", "http://x.test/") is None
