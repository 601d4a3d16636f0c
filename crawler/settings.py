"""Scrapy settings: what the crawler promises the sites it visits, and its limits.

It obeys robots.txt, identifies itself (CRAWLER_USER_AGENT), throttles itself to each site's
latency (AutoThrottle) with few requests per domain at a time, never downloads a page over
DOWNLOAD_MAXSIZE, and follows links no deeper than the source's depth (DEPTH_LIMIT, set per
source by the spider). Environment variables override the defaults; `-s NAME=VALUE` on the
command line overrides everything.
"""

import os

BOT_NAME = "discover_weekly"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
ADDONS = {}

USER_AGENT = os.environ.get(
    "CRAWLER_USER_AGENT",
    "DiscoverWeeklyBot/0.1 (self-hosted music recommender; reads public writing about music)",
)
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = int(os.environ.get("CRAWLER_CONCURRENT_REQUESTS", 16))
CONCURRENT_REQUESTS_PER_DOMAIN = int(os.environ.get("CRAWLER_CONCURRENCY_PER_DOMAIN", 4))
DOWNLOAD_DELAY = float(os.environ.get("CRAWLER_DOWNLOAD_DELAY", 0))
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = float(os.environ.get("CRAWLER_AUTOTHROTTLE_START_DELAY", 1.0))
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = float(os.environ.get("CRAWLER_AUTOTHROTTLE_TARGET", 2.0))

DOWNLOAD_MAXSIZE = int(os.environ.get("CRAWLER_DOWNLOAD_MAXSIZE", 2 * 1024 * 1024))
DOWNLOAD_WARNSIZE = DOWNLOAD_MAXSIZE // 2
DOWNLOAD_TIMEOUT = int(os.environ.get("CRAWLER_DOWNLOAD_TIMEOUT", 30))
DEPTH_LIMIT = int(os.environ.get("CRAWLER_DEPTH_LIMIT", 2))  # the spider sets its source's
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1
CLOSESPIDER_PAGECOUNT = int(os.environ.get("CRAWLER_MAX_PAGES", 20_000))
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "Accept-Language": "en",
}

# Sees redirects before RedirectMiddleware (600) follows them: process_response runs high to low.
DOWNLOADER_MIDDLEWARES = {"crawler.middlewares.RedirectLoopMiddleware": 650}
ITEM_PIPELINES = {"crawler.pipelines.CultureStorePipeline": 300}
STORE_BATCH_SIZE = int(os.environ.get("CRAWLER_STORE_BATCH", 50))  # pages a database write

LOG_LEVEL = os.environ.get("CRAWLER_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
