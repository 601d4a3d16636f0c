"""The Scrapy project that reads writing about music for the cultural vectors.

A site spider (`crawler.spiders.site`) fetches one source's pages within its allowed domains
and depth, extracts each page's main text, title and date with trafilatura, and a pipeline
hands them in batches to the webapp's culture service (Django set up in this process).
"""
