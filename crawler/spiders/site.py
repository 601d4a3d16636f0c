"""The site spider: one source's start URLs (and sitemap), within its domains and depth.

Spider arguments in (`start_urls`, `allowed_domains`, `depth`, `sitemap`, and the webapp's
`source_id`/`run_id`); a `PageItem` per page of writing out. Links to other hosts are never
requested (counted as refused "offsite"); pages that are not HTML, binary junk, or too
short to be writing are counted by reason and not stored. Every counter lives in Scrapy's
stats under "site/", which the pipeline writes back on the crawl run.

    scrapy crawl site -a start_urls=https://example.org/ -a depth=2 [-a sitemap=URL]
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from crawler.extraction import content_refusal, extract
from crawler.items import PageItem

STAT = "site/"


def _split(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [v for v in value if v]
    return [part for part in str(value or "").replace(",", " ").split() if part]


def host_allowed(host: str | None, domains: list[str]) -> bool:
    host = (host or "").lower()
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(
        self,
        start_urls="",
        allowed_domains="",
        depth=2,
        sitemap="",
        source_id="",
        run_id="",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.start_urls = _split(start_urls)
        if not self.start_urls:
            raise ValueError("give start_urls: scrapy crawl site -a start_urls=https://...")
        domains = _split(allowed_domains) or [urlsplit(u).hostname or "" for u in self.start_urls]
        self.allowed_domains = sorted({d.lower().lstrip(".") for d in domains if d})
        self.max_depth = int(depth)
        self.sitemap_url = str(sitemap or "")
        self.source_id = int(source_id) if source_id else None
        self.run_id = int(run_id) if run_id else None
        self.links = LinkExtractor(unique=True)
        self._offsite_seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The source's depth bounds the crawl (a -s DEPTH_LIMIT on the command line wins).
        crawler.settings.set("DEPTH_LIMIT", spider.max_depth, priority="spider")
        return spider

    def _count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(STAT + key, n)

    async def start(self):
        urls = list(self.start_urls) + ([self.sitemap_url] if self.sitemap_url else [])
        for url in urls:
            if not host_allowed(urlsplit(url).hostname, self.allowed_domains):
                self._count("refused/offsite")
                continue
            callback = self.parse_sitemap if url == self.sitemap_url else self.parse
            yield scrapy.Request(url, callback=callback, errback=self.failed)

    def parse(self, response):
        self._count("fetched")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        reason = content_refusal(content_type, response.body)
        if reason:
            self._count(f"refused/{reason}")
            return
        yield from self._follow(response)
        page = extract(response.text, response.url)
        if page is None:
            self._count("refused/too_little_text")
            return
        yield PageItem(
            url=response.url,
            title=page.title,
            text=page.text,
            published=page.date,
            fetched_at=dt.datetime.now(dt.UTC).isoformat(),
            depth=int(response.meta.get("depth", 0)),
        )

    def _follow(self, response):
        if int(response.meta.get("depth", 0)) >= self.max_depth:
            return
        for link in self.links.extract_links(response):
            if host_allowed(urlsplit(link.url).hostname, self.allowed_domains):
                yield response.follow(link, callback=self.parse, errback=self.failed)
            elif link.url not in self._offsite_seen:
                self._offsite_seen.add(link.url)
                self._count("refused/offsite")

    def parse_sitemap(self, response):
        self._count("sitemaps")
        try:
            urls = [entry["loc"] for entry in Sitemap(response.body) if entry.get("loc")]
        except Exception:  # lxml raises on anything that is not a sitemap  # noqa: BLE001
            self._count("refused/bad_sitemap")
            return
        for url in urls:
            if host_allowed(urlsplit(url).hostname, self.allowed_domains):
                yield scrapy.Request(url, callback=self.parse, errback=self.failed)
            elif url not in self._offsite_seen:
                self._offsite_seen.add(url)
                self._count("refused/offsite")

    def failed(self, failure):
        """Count why a request produced no page: HTTP status, size, redirects, network."""
        error = failure.value
        if isinstance(error, HttpError):
            self._count("fetched")
            self._count(f"refused/http_{error.response.status}")
        elif isinstance(error, DownloadCancelledError):
            self._count("refused/too_large")
        elif isinstance(error, IgnoreRequest):
            message = str(error)
            if "robots.txt" in message:
                self._count("refused/robots")
            elif "offsite" in message:
                self._count("refused/offsite")
            elif "redirect" in message:
                self._count("refused/redirect_loop")
            else:
                self._count("refused/ignored")
        elif isinstance(error, (DNSLookupError, ConnectionRefusedError, TimeoutError)):
            self._count("refused/network")
        else:
            self._count("refused/download_error")
            self.logger.warning("%s failed: %r", failure.request.url, error)
