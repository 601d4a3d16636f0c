"""Culture writes: sources, crawl runs, documents with their mentions, curators' tags.

Crawled pages in (from the Scrapy pipeline, in batches); documents stored once by URL and by
content hash, their mentions and terms found by `recommender.culture` against the current
catalog; run statistics and progress written as the crawl goes. The rebuild of the term
vectors lives in `rebuild.py`, the crawl subprocess in `crawl.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from recommender.culture.analysis import DocumentAnalysis, analyze_document
from recommender.culture.terms import normalize_term
from webapp.catalog.models import Artist
from webapp.culture.matching import Matchers, matchers_current
from webapp.culture.models import (
    CrawlRun,
    CrawlSource,
    Document,
    ManualTag,
    Mention,
    TrackMention,
)
from webapp.training.models import RunStatus

MAX_TITLE_CHARS = 500
STALE_RUN_AFTER = dt.timedelta(hours=6)
REFUSED_PREFIX = "refused/"


class CultureError(Exception):
    """A culture operation failed; the message says what to do."""


@dataclass(frozen=True)
class PageData:
    """One extracted page, as the crawler hands it over."""

    url: str
    title: str
    text: str
    published: dt.date | None
    fetched_at: dt.datetime


# -- sources and runs -------------------------------------------------------------------------
def source_for_url(*, url: str, depth: int | None = None) -> tuple[CrawlSource, bool]:
    """The source whose start URLs include `url`, or a new one for its host. A given depth is
    stored on the source (the curator's last word wins)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CultureError(f"Not an http(s) URL: {url!r}")
    for source in CrawlSource.objects.filter(start_urls__contains=url):
        if url in source.start_url_list():
            if depth is not None and source.depth != depth:
                source.depth = depth
                source.save(update_fields=["depth", "updated_at"])
            return source, False
    source = CrawlSource(name=parts.hostname, start_urls=url, depth=2 if depth is None else depth)
    source.full_clean()
    source.save()
    return source, True


def crawl_run_start(*, source: CrawlSource, task_id: str = "") -> CrawlRun:
    CrawlRun.objects.filter(
        status=RunStatus.RUNNING, started_at__lt=timezone.now() - STALE_RUN_AFTER
    ).update(status=RunStatus.FAILED, error="Interrupted: the crawl never finished.")
    return CrawlRun.objects.create(source=source, task_id=task_id[:64])


def crawl_run_progress(*, run_id: int, fraction: float, message: str, fetched: int) -> None:
    CrawlRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=min(max(fraction, 0.0), 1.0), progress_message=message[:200], pages_fetched=fetched
    )


def crawl_run_finish(*, run_id: int, stats: dict, error: str = "") -> CrawlRun:
    """Record a finished crawl: counters from `stats` ("fetched", "stored", "updated",
    "unchanged" and "refused/<reason>" keys) and failed or succeeded."""
    run = CrawlRun.objects.get(pk=run_id)
    refused = [v for k, v in stats.items() if k.startswith(REFUSED_PREFIX)]
    run.stats = {**run.stats, **stats}
    run.pages_fetched = int(stats.get("fetched", run.pages_fetched))
    run.pages_stored = int(stats.get("stored", 0))
    run.pages_updated = int(stats.get("updated", 0))
    run.pages_unchanged = int(stats.get("unchanged", 0))
    run.pages_refused = int(sum(refused))
    run.error = error or run.error
    run.status = RunStatus.FAILED if run.error else RunStatus.SUCCEEDED
    run.progress = 1.0 if not run.error else run.progress
    run.progress_message = "Failed" if run.error else "Crawled"
    run.finished_at = timezone.now()
    run.duration_s = round((run.finished_at - run.started_at).total_seconds(), 3)
    run.save()
    return run


# -- documents --------------------------------------------------------------------------------
def url_hash(url: str) -> str:
    return hashlib.sha256(url.strip().encode()).hexdigest()


def content_hash(title: str, text: str) -> str:
    """Same words in the same order, however the whitespace falls: same hash."""
    words = f"{' '.join(title.split())}\n{' '.join(text.split())}"
    return hashlib.sha256(words.encode()).hexdigest()


def documents_store(
    *, pages: list[PageData], source_id: int | None = None, run_id: int | None = None
) -> Counter[str]:
    """Store a batch of pages; returns counts: stored, updated, unchanged, duplicate_content
    (same text as another URL: not stored twice) and no_artist (stored, names no artist).

    A known URL with new text replaces its text, terms and mentions; a known URL whose text
    is unchanged keeps them, unless the catalog changed since (then mentions are re-found).
    """
    matchers = matchers_current()
    latest = {url_hash(p.url): p for p in pages}  # a URL twice in a batch: the last wins
    existing = {d.url_hash: d for d in Document.objects.filter(url_hash__in=list(latest))}
    hashes = {h: content_hash(p.title, p.text) for h, p in latest.items()}
    owners = dict(
        Document.objects.filter(content_hash__in=set(hashes.values())).values_list(
            "content_hash", "url_hash"
        )
    )
    outcome: Counter[str] = Counter()
    new, changed, seen, analyses = [], [], [], {}
    for key, page in latest.items():
        doc, digest = existing.get(key), hashes[key]
        if doc is None and owners.get(digest, key) != key:
            outcome["duplicate_content"] += 1
            continue
        owners[digest] = key
        if doc is None:
            doc = _document_new(page, key, digest, source_id, run_id)
            new.append(doc)
            outcome["stored"] += 1
        else:
            status = _document_refresh(doc, page, digest, run_id)
            outcome[status] += 1
            if status == "unchanged" and doc.catalog_version == matchers.version:
                seen.append(doc.pk)  # only the fetch time and run change: one UPDATE
                continue
            changed.append(doc)
        analyses[key] = _analyze(doc, matchers)
        outcome["no_artist"] += not analyses[key].artists
    _documents_write(new, changed, analyses)
    if seen:
        fetched = max(p.fetched_at for p in pages)
        Document.objects.filter(pk__in=seen).update(fetched_at=fetched, last_run_id=run_id)
    return outcome


def _document_new(page, key, digest, source_id, run_id) -> Document:
    return Document(
        url=page.url,
        url_hash=key,
        content_hash=digest,
        source_id=source_id,
        last_run_id=run_id,
        title=page.title[:MAX_TITLE_CHARS],
        text=page.text,
        published=page.published,
        word_count=len(page.text.split()),
        fetched_at=page.fetched_at,
        changed_at=page.fetched_at,
    )


def _document_refresh(doc: Document, page: PageData, digest, run_id) -> str:
    doc.fetched_at, doc.last_run_id = page.fetched_at, run_id or doc.last_run_id
    if doc.content_hash == digest:
        return "unchanged"
    doc.title, doc.text = page.title[:MAX_TITLE_CHARS], page.text
    doc.content_hash, doc.published = digest, page.published
    doc.word_count, doc.changed_at = len(page.text.split()), page.fetched_at
    doc.catalog_version = ""  # forces new mentions below
    return "updated"


def _analyze(doc: Document, matchers: Matchers) -> DocumentAnalysis:
    analysis = analyze_document(
        doc.text, title=doc.title, artists=matchers.artists, tracks=matchers.tracks
    )
    doc.terms = dict(analysis.terms)
    doc.catalog_version = matchers.version
    return analysis


def _documents_write(new: list[Document], changed: list[Document], analyses: dict) -> None:
    fields = ["fetched_at", "last_run", "title", "text", "content_hash", "published"]
    fields += ["word_count", "changed_at", "terms", "catalog_version"]
    with transaction.atomic():
        Document.objects.bulk_create(new)
        Document.objects.bulk_update(changed, fields, batch_size=500)
        renewed = [d.pk for d in changed if d.url_hash in analyses]
        Mention.objects.filter(document_id__in=renewed).delete()
        TrackMention.objects.filter(document_id__in=renewed).delete()
        mentions, track_mentions = [], []
        for doc in (*new, *changed):
            analysis = analyses.get(doc.url_hash)
            if analysis is None:
                continue
            mentions += [_row(Mention, doc, "artist_id", m) for m in analysis.artists]
            track_mentions += [_row(TrackMention, doc, "track_id", m) for m in analysis.tracks]
        Mention.objects.bulk_create(mentions, batch_size=1000)
        TrackMention.objects.bulk_create(track_mentions, batch_size=1000)


def _row(model, doc: Document, field: str, mention):
    return model(
        document_id=doc.pk,
        count=mention.count,
        positions=mention.positions,
        in_title=mention.in_title,
        weight=mention.weight,
        **{field: mention.entity_id},
    )


def document_store(
    *, page: PageData, source: CrawlSource | None = None, run: CrawlRun | None = None
) -> str:
    """Store one page; returns what happened to it ("stored", "updated", ...)."""
    outcome = documents_store(
        pages=[page], source_id=source.pk if source else None, run_id=run.pk if run else None
    )
    outcome.pop("no_artist", None)
    return next(iter(outcome))


# -- curators ---------------------------------------------------------------------------------
def tag_normalized(tag: str) -> str:
    """A curator's tag as terms are written ("Lo-Fi " -> "lo-fi"); CultureError if nothing
    descriptive is left (only stop words or symbols)."""
    term = normalize_term(tag)[:100]
    if not term:
        raise CultureError(f"{tag!r} has no descriptive word (only stop words or symbols).")
    return term


def manual_tag_add(*, artist: Artist, tag: str, user=None) -> ManualTag:
    """A curator's tag for an artist, normalized; adding it twice keeps one."""
    found, _ = ManualTag.objects.get_or_create(
        artist=artist, tag=tag_normalized(tag), defaults={"created_by": user}
    )
    return found
