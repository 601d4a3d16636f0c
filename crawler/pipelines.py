"""The pipeline from the spider to the webapp: pages in, documents stored, run stats written.

Built with `from_crawler`, it sets up Django in the crawl process, finds (or creates) the
crawl run it reports to, drops items it cannot store (DropItem, counted), hands pages to
`webapp.culture.services.documents_store` in batches (one transaction per batch), shows
progress on the run row, and writes the crawl's statistics when the spider closes.
"""

from __future__ import annotations

import datetime as dt
import os

from scrapy.exceptions import DropItem

from crawler.extraction import MIN_TEXT_WORDS
from crawler.items import PageItem
from crawler.spiders.site import STAT

PROGRESS_EVERY = 25  # pages between progress updates on the run row
MAX_URL_CHARS = 2000


def django_setup() -> None:
    """Django in this (crawl) process: the webapp's settings and database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    # The Twisted reactor runs an asyncio loop in this thread; the ORM calls below are
    # deliberately synchronous (each batch blocks the reactor for one transaction).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


class CultureStorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 50)
        self.pending: list = []
        self.run_id: int | None = None
        self.source_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        django_setup()
        return cls(crawler)

    def open_spider(self) -> None:
        from webapp.culture import services
        from webapp.culture.models import CrawlRun, CrawlSource

        spider = self.crawler.spider
        if spider.run_id is not None:
            run = CrawlRun.objects.select_related("source").get(pk=spider.run_id)
        else:
            if spider.source_id:
                source = CrawlSource.objects.filter(pk=spider.source_id).first()
                if source is None:
                    raise ValueError(f"No crawl source #{spider.source_id} in the database.")
            else:
                url, depth = spider.start_urls[0], spider.max_depth
                source = services.source_for_url(url=url, depth=depth)[0]
            run = services.crawl_run_start(source=source)
        self.run_id, self.source_id = run.pk, run.source_id

    def process_item(self, item: PageItem) -> PageItem:
        from webapp.culture.services import PageData

        reason = self._invalid(item)
        if reason:
            self.stats.inc_value(f"{STAT}refused/{reason}")
            raise DropItem(f"{item.url}: {reason}")
        published = None
        if item.published:
            try:
                published = dt.date.fromisoformat(item.published[:10])
            except ValueError:
                published = None
        self.pending.append(
            PageData(
                url=item.url,
                title=item.title,
                text=item.text,
                published=published,
                fetched_at=_aware(dt.datetime.fromisoformat(item.fetched_at)),
            )
        )
        if len(self.pending) >= self.batch_size:
            self._flush()
        return item

    @staticmethod
    def _invalid(item: PageItem) -> str | None:
        if not item.url or len(item.url) > MAX_URL_CHARS:
            return "bad_url"
        if len((item.text or "").split()) < MIN_TEXT_WORDS:
            return "too_little_text"
        return None

    def _flush(self) -> None:
        from webapp.culture import services

        if not self.pending:
            return
        outcome = services.documents_store(
            pages=self.pending, source_id=self.source_id, run_id=self.run_id
        )
        self.pending = []
        for key, n in outcome.items():
            name = key if key in ("stored", "updated", "unchanged", "no_artist") else None
            self.stats.inc_value(STAT + (name or f"refused/{key}"), n)
        fetched = self.stats.get_value(STAT + "fetched", 0)
        if fetched // PROGRESS_EVERY != getattr(self, "_last_progress", -1):
            self._last_progress = fetched // PROGRESS_EVERY
            self._progress(fetched)

    def _progress(self, fetched: int) -> None:
        from webapp.culture import services

        queued = 0
        try:
            queued = len(self.crawler.engine.scheduler)
        except (AttributeError, TypeError, RuntimeError):  # no engine or scheduler yet
            pass
        stored = self.stats.get_value(STAT + "stored", 0)
        services.crawl_run_progress(
            run_id=self.run_id,
            fraction=0.95 * fetched / max(1, fetched + queued),
            message=f"{fetched} pages fetched, {stored} new, {queued} queued",
            fetched=fetched,
        )

    def close_spider(self) -> None:
        from webapp.culture import services

        self._flush()
        stats = summarize(self.stats.get_stats())
        reason = self.stats.get_value("finish_reason", "")
        error = "" if reason in ("", "finished", "closespider_pagecount") else reason
        services.crawl_run_finish(run_id=self.run_id, stats=stats, error=error)


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def summarize(stats: dict) -> dict:
    """The run's counters: "site/..." keys without the prefix, plus Scrapy's totals."""
    out = {k[len(STAT) :]: v for k, v in stats.items() if k.startswith(STAT)}
    for key in ("downloader/request_count", "downloader/response_count", "item_dropped_count"):
        if key in stats:
            out[key] = stats[key]
    for key in ("fetched", "stored", "updated", "unchanged"):
        out.setdefault(key, 0)
    return out
