"""The crawler tests' fixtures (defined in fixtures.py so webapp tests can use them too)."""

from tests.crawler.fixtures import catalog, crawl_database, site  # noqa: F401
