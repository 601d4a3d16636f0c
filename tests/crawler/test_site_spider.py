"""The real site spider, in a `scrapy crawl` subprocess, against fixture pages on loopback:
what is stored, what is not, and every refusal counted by reason."""

import pytest

from tests.crawler.fixture_site import CHANGED_REVIEW, forbid_everything, write_site
from tests.crawler.fixtures import FAST_CRAWL
from webapp.culture import crawl, services
from webapp.culture.models import Document, Mention, TrackMention
from webapp.training.models import RunStatus


def crawl_site(url: str, *, depth: int = 2):
    source, _ = services.source_for_url(url=url + "/", depth=depth)
    return crawl.crawl_source(source=source, overrides=FAST_CRAWL)


def stored_paths(base: str) -> set[str]:
    return {d.url.removeprefix(base) for d in Document.objects.all()}


@pytest.mark.timeout(120)
def test_a_crawl_stores_each_page_of_writing_once_and_counts_every_refusal(catalog, site):
    url, _, requests = site
    run = crawl_site(url)

    assert run.status == RunStatus.SUCCEEDED, run.error
    stored = stored_paths(url)
    # the review and its copy share their text: whichever came first is stored, once
    assert len(stored & {"/reviews/massive-attack.html", "/copy.html"}) == 1
    assert stored - {"/reviews/massive-attack.html", "/copy.html"} == {
        "/",
        "/reviews/massive-attack-live.html",
        "/reviews/bjork.html",  # malformed HTML still has text
        "/essay.html",  # names no known artist: stored, counted
        "/deep-1.html",
        "/deep-2.html",
    }
    refused = {k.removeprefix("refused/"): v for k, v in run.stats.items() if "refused/" in k}
    assert refused == {
        "http_404": 3,  # /missing.html, and /about.html, /privacy.html the menus link to
        "redirect_loop": 1,
        "binary": 1,
        "too_large": 1,
        "not_html": 1,
        "robots": 1,
        "offsite": 2,
        "duplicate_content": 1,  # /copy.html repeats the review's text
    }
    assert run.pages_stored == 7 and run.stats["no_artist"] >= 2
    assert run.pages_refused == sum(refused.values())
    hosts = {host for host, _ in requests}
    assert hosts == {url.removeprefix("http://")}  # nothing off-domain was ever requested
    paths = {path for _, path in requests}
    assert "/private/secret.html" not in paths and "/deep-3.html" not in paths


@pytest.mark.timeout(120)
def test_mentions_come_from_the_main_text_and_a_recrawl_replaces_only_what_changed(catalog, site):
    url, folder, _ = site
    crawl_site(url)
    review = Document.objects.get(title__startswith="Massive Attack:")
    assert "cookies" not in review.text and "Copyright" not in review.text
    mention = Mention.objects.get(document=review)
    assert mention.artist == catalog["Massive Attack"] and mention.in_title
    assert review.text[mention.positions[0] :].startswith("Massive Attack")
    assert TrackMention.objects.filter(document=review, track__title="Teardrop").exists()
    assert {"trip-hop", "nocturnal"} <= set(review.terms)
    assert not Mention.objects.filter(artist=catalog["Low"]).exists()  # "sits low" is not Low
    bjork = Document.objects.get(url=url + "/reviews/bjork.html")
    assert Mention.objects.filter(document=bjork, artist=catalog["Björk"]).exists()

    before = Document.objects.count()
    write_site(folder, int(url.rsplit(":", 1)[1]), review=CHANGED_REVIEW)
    run = crawl_site(url)

    assert Document.objects.count() == before
    assert (run.pages_stored, run.pages_updated, run.pages_unchanged) == (0, 1, before - 1)
    review = Document.objects.get(title__startswith="Massive Attack:")
    assert "paranoid" in review.text and "smoky record" not in review.text
    assert "paranoid" in review.terms and review.last_run == run
    assert Mention.objects.filter(document=review).count() == 1


@pytest.mark.timeout(120)
def test_a_robots_txt_that_forbids_everything_stores_nothing(catalog, site):
    url, folder, requests = site
    forbid_everything(folder)
    run = crawl_site(url)

    assert run.status == RunStatus.SUCCEEDED
    assert Document.objects.count() == 0
    assert run.stats["refused/robots"] == 1 and run.pages_fetched == 0
    assert {path for _, path in requests} == {"/robots.txt"}
