"""Curators in admin: add a source, crawl it now (the real crawl subprocess), watch runs and
documents, tag artists."""

import pytest
from django.urls import reverse

from tests.crawler import fixtures as crawling
from tests.webapp.culture_world import SHOEGAZE, artist, page, store
from webapp.culture.models import CrawlRun, CrawlSource, Document, ManualTag
from webapp.training.models import ModelKind, ModelVersion

crawl_database, catalog, site = crawling.crawl_database, crawling.catalog, crawling.site


@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_a_source_added_in_admin_is_crawled_by_the_crawl_now_action(
    admin_client, catalog, site, monkeypatch
):
    # A superuser: this test flushes the database, and the Curators group a migration made
    # is gone after other flushing tests (curators' own permissions are tested below).
    url, _, _ = site
    monkeypatch.setenv("CRAWLER_AUTOTHROTTLE_START_DELAY", "0.01")
    response = admin_client.post(
        reverse("admin:culture_crawlsource_add"),
        {"name": "Fixture Zine", "start_urls": url + "/", "depth": 1, "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    source = CrawlSource.objects.get()
    response = admin_client.post(
        reverse("admin:culture_crawlsource_changelist"),
        {"action": "crawl_now", "_selected_action": [source.pk]},
        follow=True,
    )
    assert b"Crawl of 1 source(s) started" in response.content
    run = CrawlRun.objects.get()
    assert run.pages_stored > 0 and Document.objects.filter(source=source).exists()
    assert ModelVersion.objects.get(kind=ModelKind.CULTURE).is_active

    runs = admin_client.get(reverse("admin:culture_crawlrun_changelist"))
    assert b"<progress" in runs.content and b"http_404 3" in runs.content
    doc = Document.objects.filter(mentions__isnull=False).first()
    detail = admin_client.get(reverse("admin:culture_document_change", args=[doc.pk]))
    assert detail.status_code == 200 and b"Massive Attack" in detail.content


@pytest.mark.django_db
def test_a_source_whose_start_url_leaves_its_domains_is_refused_in_admin(curator_client):
    response = curator_client.post(
        reverse("admin:culture_crawlsource_add"),
        {"name": "x", "start_urls": "https://a.test/", "allowed_domains": "b.test", "depth": 2},
    )
    assert response.status_code == 200 and b"outside the allowed domains" in response.content
    assert not CrawlSource.objects.exists()


@pytest.mark.django_db
def test_a_curators_manual_tag_is_stored_as_a_term(curator_client, curator):
    slowdive = artist("Slowdive")
    store(page("https://z.test/1", "Slowdive", SHOEGAZE))
    response = curator_client.post(
        reverse("admin:culture_manualtag_add"), {"artist": slowdive.pk, "tag": " Dream-Pop "}
    )
    assert response.status_code == 302
    tag = ManualTag.objects.get()
    assert (tag.tag, tag.created_by) == ("dream-pop", curator)
    refused = curator_client.post(
        reverse("admin:culture_manualtag_add"), {"artist": slowdive.pk, "tag": "the"}
    )
    assert b"no descriptive word" in refused.content
