"""Curators' view of the crawl: sources to edit and crawl now, runs with live progress and
statistics, the documents read with their mentions, manual tags and artist aliases."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils.html import format_html

from webapp.culture import services
from webapp.culture.models import (
    ArtistAlias,
    CrawlRun,
    CrawlSource,
    Document,
    ManualTag,
    Mention,
)
from webapp.culture.tasks import crawl_and_rebuild


@admin.register(CrawlSource)
class CrawlSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "first_start_url", "depth", "is_active", "last_run", "documents"]
    list_filter = ["is_active"]
    search_fields = ["name", "start_urls"]
    actions = ["crawl_now"]
    fields = ["name", "start_urls", "allowed_domains", "depth", "sitemap_url", "is_active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_documents=Count("documents"))

    @admin.display(description="start URL")
    def first_start_url(self, obj: CrawlSource) -> str:
        urls = obj.start_url_list()
        return urls[0] + (f" (+{len(urls) - 1})" if len(urls) > 1 else "") if urls else "–"

    @admin.display(description="documents", ordering="n_documents")
    def documents(self, obj: CrawlSource) -> int:
        return obj.n_documents

    @admin.display(description="last crawl")
    def last_run(self, obj: CrawlSource) -> str:
        run = obj.runs.order_by("-started_at", "-pk").first()
        return f"#{run.pk} {run.status}, {run.pages_stored} new" if run else "never"

    @admin.action(description="Crawl now, then rebuild the cultural vectors")
    def crawl_now(self, request, queryset) -> None:
        source_ids = list(queryset.values_list("pk", flat=True))

        def enqueue() -> None:
            try:
                crawl_and_rebuild.delay(source_ids=source_ids)
            except (services.CultureError, OSError) as exc:
                self.message_user(request, f"The crawl could not start: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Crawl of {len(source_ids)} source(s) started; progress shows under "
                    "Crawl runs, the rebuild under Model versions.",
                    messages.INFO,
                )

        transaction.on_commit(enqueue)


@admin.register(CrawlRun)
class CrawlRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "source",
        "status",
        "progress_bar",
        "pages_fetched",
        "pages_stored",
        "pages_updated",
        "pages_unchanged",
        "pages_refused",
        "refused_why",
        "started_at",
        "duration_s",
    ]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    readonly_fields = [f.name for f in CrawlRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="progress")
    def progress_bar(self, obj: CrawlRun) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}',
            round(obj.progress * 100),
            obj.progress_message,
        )

    @admin.display(description="refused (why)")
    def refused_why(self, obj: CrawlRun) -> str:
        reasons = sorted(
            (k.split("/", 1)[1], v) for k, v in obj.stats.items() if k.startswith("refused/")
        )
        return ", ".join(f"{reason} {n}" for reason, n in reasons) or "–"


class MentionInline(admin.TabularInline):
    model = Mention
    fields = ["artist", "count", "in_title", "weight", "positions"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "url", "source", "published", "word_count", "fetched_at"]
    list_filter = ["source"]
    list_select_related = ["source"]
    search_fields = ["title", "=url"]
    show_full_result_count = False
    inlines = [MentionInline]
    exclude = ["terms", "url_hash"]
    readonly_fields = [
        "url",
        "content_hash",
        "source",
        "last_run",
        "title",
        "text",
        "published",
        "word_count",
        "catalog_version",
        "fetched_at",
        "changed_at",
        "first_seen_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


class ManualTagForm(forms.ModelForm):
    """Stores the tag as terms are written, so it merges with crawled terms."""

    class Meta:
        model = ManualTag
        fields = ["artist", "tag"]

    def clean_tag(self) -> str:
        try:
            return services.tag_normalized(self.cleaned_data["tag"])
        except services.CultureError as exc:
            raise ValidationError(str(exc)) from exc


@admin.register(ManualTag)
class ManualTagAdmin(admin.ModelAdmin):
    form = ManualTagForm
    list_display = ["artist", "tag", "created_by", "created_at"]
    search_fields = ["artist__name_normalized", "tag"]
    raw_id_fields = ["artist"]
    list_select_related = ["artist", "created_by"]

    def save_model(self, request, obj: ManualTag, form, change) -> None:
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(ArtistAlias)
class ArtistAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "artist"]
    search_fields = ["alias", "artist__name_normalized"]
    raw_id_fields = ["artist"]
