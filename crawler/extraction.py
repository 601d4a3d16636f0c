"""From a downloaded page to its main text, title and date, or the reason it is refused.

Bytes and headers in; `Extracted` (trafilatura's main text without navigation, footers or
cookie banners, the page title, its publication date) or a refusal reason out: not HTML,
binary junk, or too little text.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

HTML_TYPES = ("text/html", "application/xhtml+xml")
BINARY_SAMPLE_BYTES = 8192
MAX_CONTROL_SHARE = 0.01  # text has almost no control bytes; compressed or random data does
MIN_TEXT_WORDS = 15
_TEXT_CONTROLS = {9, 10, 12, 13}


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    date: str | None  # YYYY-MM-DD


def content_refusal(content_type: str, body: bytes) -> str | None:
    """Why a response is not a page of writing ("not_html", "binary"), or None."""
    mime = content_type.split(";")[0].strip().lower()
    if mime not in HTML_TYPES:
        return "not_html"
    if looks_binary(body):
        return "binary"
    return None


def looks_binary(body: bytes) -> bool:
    sample = body[:BINARY_SAMPLE_BYTES]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    return controls / len(sample) > MAX_CONTROL_SHARE


def extract(html: str, url: str) -> Extracted | None:
    """The page's main text (trafilatura), title and date; None when too little text."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        fast=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or not document.text:
        return None
    text = document.text.strip()
    if len(text.split()) < MIN_TEXT_WORDS:
        return None
    return Extracted(title=(document.title or "").strip(), text=text, date=document.date)
