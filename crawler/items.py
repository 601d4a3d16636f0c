"""What the spider hands the pipeline: one extracted page."""

from dataclasses import dataclass


@dataclass
class PageItem:
    url: str
    title: str
    text: str
    published: str | None  # ISO date from the page's metadata, if any
    fetched_at: str  # ISO datetime (UTC) of the download
    depth: int = 0
