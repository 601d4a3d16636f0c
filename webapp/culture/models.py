"""What the crawler read and what it found: sources, runs, documents, mentions, curator tags.

A source is edited by curators; each crawl of it is a run with statistics; a page is one
document (by URL, and never twice by content); mentions say which artists and tracks each
document names; co-mentions and the term vectors are rebuilt from these.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

from webapp.catalog.models import Artist, Track
from webapp.training.models import ModelVersion, RunStatus

MAX_DEPTH = 10


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class CrawlSource(models.Model):
    """One site to crawl: where to start, which hosts it may visit, how deep."""

    name = models.CharField(max_length=200)
    start_urls = models.TextField(help_text="One URL per line (http or https).")
    allowed_domains = models.TextField(
        blank=True,
        help_text="Hosts the crawler may visit, one per line (subdomains included). "
        "Empty: the hosts of the start URLs.",
    )
    depth = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(MAX_DEPTH)],
        help_text="Links followed from a start URL (0: the start pages only).",
    )
    sitemap_url = models.URLField(max_length=2000, blank=True, help_text="Optional sitemap.xml.")
    is_active = models.BooleanField(default=True, help_text="Crawled by the weekly job.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def start_url_list(self) -> list[str]:
        return _lines(self.start_urls)

    def domain_list(self) -> list[str]:
        domains = _lines(self.allowed_domains) or [
            urlsplit(url).hostname or "" for url in self.start_url_list()
        ]
        return sorted({d.lower().lstrip(".") for d in domains if d})

    def clean(self) -> None:
        urls = self.start_url_list() + ([self.sitemap_url] if self.sitemap_url else [])
        if not self.start_url_list():
            raise ValidationError({"start_urls": "Give at least one start URL."})
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError({"start_urls": f"Not an http(s) URL: {url}"})
            if not _host_allowed(parts.hostname, self.domain_list()):
                raise ValidationError({"allowed_domains": f"{url} is outside the allowed domains."})


def _host_allowed(host: str, domains: list[str]) -> bool:
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)


class CrawlRun(models.Model):
    """One crawl of one source: status, live progress and what happened to every page."""

    source = models.ForeignKey(CrawlSource, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    progress = models.FloatField(default=0.0, help_text="0..1 while running")
    progress_message = models.CharField(max_length=200, blank=True)
    pages_fetched = models.PositiveIntegerField(default=0)
    pages_stored = models.PositiveIntegerField(default=0, help_text="New documents.")
    pages_updated = models.PositiveIntegerField(default=0, help_text="Changed text replaced.")
    pages_unchanged = models.PositiveIntegerField(default=0)
    pages_refused = models.PositiveIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True, help_text="Counts by reason.")
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="crawl_runs"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Crawl #{self.pk} of {self.source} ({self.status})"


class Document(models.Model):
    """One page, stored once: by URL (url_hash) and by content (content_hash)."""

    url = models.TextField()
    url_hash = models.CharField(max_length=64, unique=True)
    content_hash = models.CharField(max_length=64, db_index=True)
    source = models.ForeignKey(
        CrawlSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    last_run = models.ForeignKey(
        CrawlRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    published = models.DateField(null=True, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    terms = models.JSONField(default=dict, blank=True, help_text="Candidate term counts.")
    catalog_version = models.CharField(
        max_length=80, blank=True, help_text="The catalog its mentions were found against."
    )
    fetched_at = models.DateTimeField()
    changed_at = models.DateTimeField(help_text="When the text last changed.")
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fetched_at", "-pk"]

    def __str__(self) -> str:
        return self.title or self.url


class _Found(models.Model):
    """Where and how much a document names something (an artist, a track)."""

    count = models.PositiveIntegerField(help_text="Occurrences in the text.")
    positions = models.JSONField(default=list, help_text="Character offsets in the text.")
    in_title = models.BooleanField(default=False)
    weight = models.FloatField(help_text="1: the page is about it; less: in passing.")

    class Meta:
        abstract = True


class Mention(_Found):
    """An artist named in a document."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="culture_mentions", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "artist"], name="mention_unique")
        ]
        indexes = [models.Index(fields=["artist"], name="mention_artist")]


class TrackMention(_Found):
    """A track title named in a document next to its artist."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="track_mentions", db_index=False
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="culture_mentions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "track"], name="trackmention_unique")
        ]


class CoMention(models.Model):
    """Two artists named by the same documents (artist_a.pk < artist_b.pk); rebuilt whole."""

    artist_a = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+", db_index=False)
    artist_b = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+", db_index=False)
    documents = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artist_a", "artist_b"], name="comention_unique")
        ]
        indexes = [models.Index(fields=["artist_b"], name="comention_artist_b")]


class ArtistAlias(models.Model):
    """Another name an artist goes by in writing ("Bjork Gudmundsdottir", "Ziggy Stardust")."""

    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="culture_aliases", db_index=False
    )
    alias = models.CharField(max_length=300)

    class Meta:
        ordering = ["alias"]
        constraints = [
            models.UniqueConstraint(fields=["artist", "alias"], name="artistalias_unique")
        ]

    def __str__(self) -> str:
        return self.alias


class ManualTag(models.Model):
    """A curator's tag for an artist (the Pandora way), merged into its top terms."""

    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="culture_tags", db_index=False
    )
    tag = models.CharField(max_length=100, help_text="Stored as terms are: lower case.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artist__name", "tag"]
        constraints = [models.UniqueConstraint(fields=["artist", "tag"], name="manualtag_unique")]

    def __str__(self) -> str:
        return f"{self.artist}: {self.tag}"
