"""The pipeline drops what it cannot store (counted) and stores pages in batches."""

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import PageItem
from crawler.pipelines import CultureStorePipeline, summarize
from crawler.spiders.site import SiteSpider
from webapp.culture.models import CrawlRun, Document
from webapp.training.models import RunStatus

TEXT = "A long enough review of a dreamy record with hazy guitars and soft drums. " * 3


def pipeline_for(url: str) -> CultureStorePipeline:
    crawler = get_crawler(SiteSpider, {"STORE_BATCH_SIZE": 2})
    crawler.spider = SiteSpider(start_urls=url)
    pipeline = CultureStorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def item(url: str, text: str = TEXT) -> PageItem:
    return PageItem(
        url=url, title="Review", text=text, published="2026-01-02", fetched_at="2026-01-03T00:00"
    )


@pytest.mark.django_db
def test_bad_items_are_dropped_and_counted_and_good_ones_stored_in_batches():
    pipeline = pipeline_for("http://zine.test/")
    with pytest.raises(DropItem):
        pipeline.process_item(item("http://zine.test/short", text="too short"))
    pipeline.process_item(item("http://zine.test/a"))
    assert Document.objects.count() == 0  # waits for a batch of two
    pipeline.process_item(item("http://zine.test/b", text=TEXT + " And more."))
    assert Document.objects.count() == 2
    pipeline.process_item(item("http://zine.test/c", text=TEXT + " Even more."))
    pipeline.close_spider()

    run = CrawlRun.objects.get(pk=pipeline.run_id)
    assert run.status == RunStatus.SUCCEEDED and run.source.name == "zine.test"
    assert (run.pages_stored, run.stats["refused/too_little_text"]) == (3, 1)
    assert Document.objects.get(url="http://zine.test/a").published.isoformat() == "2026-01-02"


def test_the_summary_keeps_the_sites_counters_and_scrapys_totals():
    out = summarize({"site/fetched": 3, "site/refused/robots": 1, "downloader/request_count": 5})
    assert out == {
        "fetched": 3,
        "refused/robots": 1,
        "downloader/request_count": 5,
        "stored": 0,
        "updated": 0,
        "unchanged": 0,
    }
