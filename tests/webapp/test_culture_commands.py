"""manage.py crawl and top_terms, the Celery task and its weekly schedule: the real crawl
subprocess against the loopback fixture site."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from tests.crawler import fixtures as crawling
from tests.webapp.culture_world import SHOEGAZE, artist, page, store
from webapp.catalog.models import Artist
from webapp.celery import app
from webapp.culture.models import CrawlRun, CrawlSource, Document
from webapp.culture.rebuild import culture_rebuild
from webapp.culture.tasks import crawl_and_rebuild
from webapp.training.models import RunStatus

crawl_database, catalog, site = crawling.crawl_database, crawling.catalog, crawling.site


def run_command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_top_terms_json_lists_terms_best_first_and_nothing_for_an_artist_no_page_names():
    artist("Slowdive")
    artist("Nobody Wrote")
    store(
        page("https://z.test/1", "Slowdive", SHOEGAZE),
        page("https://z.test/2", "Slowdive live", SHOEGAZE.replace("record", "show")),
        page("https://z.test/3", "Garden", "Notes on roses and tomatoes."),
    )
    culture_rebuild()
    terms = json.loads(run_command("top_terms", "slowdive", "--json"))
    assert terms and set(terms[0]) == {"term", "weight"} and terms[0]["weight"] == 1.0
    assert [t["weight"] for t in terms] == sorted((t["weight"] for t in terms), reverse=True)
    assert json.loads(run_command("top_terms", "Nobody Wrote", "--json")) == []
    assert "Slowdive (cultural vectors #" in run_command("top_terms", "SLOWDIVE")


@pytest.mark.django_db
def test_top_terms_for_an_artist_not_in_the_catalog_fails_with_one_line():
    with pytest.raises(CommandError, match="No artist named 'Nope'"):
        run_command("top_terms", "Nope")


@pytest.mark.timeout(120)
def test_manage_py_crawl_creates_the_source_crawls_it_and_prints_a_summary(catalog, site):
    url, _, requests = site
    out = run_command("crawl", url + "/", "--depth", "1", "-s", "AUTOTHROTTLE_START_DELAY=0.01")
    source = CrawlSource.objects.get()
    assert source.depth == 1 and source.start_url_list() == [url + "/"]
    assert f"new source #{source.pk}" in out and "refused" in out and "http_404 3" in out
    assert "cultural vectors: version #" in out
    assert "/deep-2.html" not in {path for _, path in requests}  # depth 1
    terms = [t["term"] for t in json.loads(run_command("top_terms", "Massive Attack", "--json"))]
    assert "trip-hop" in terms


@pytest.mark.timeout(120)
def test_the_task_crawls_every_active_source_then_rebuilds(catalog, site, monkeypatch):
    url, _, _ = site
    monkeypatch.setenv("CRAWLER_AUTOTHROTTLE_START_DELAY", "0.01")
    active = CrawlSource.objects.create(name="zine", start_urls=url + "/", depth=1)
    CrawlSource.objects.create(name="off", start_urls="http://127.0.0.2:9/", is_active=False)
    result = crawl_and_rebuild.delay().get()

    run = CrawlRun.objects.get()
    assert run.source == active and run.status == RunStatus.SUCCEEDED
    assert result["version_status"] == RunStatus.SUCCEEDED
    assert run.model_version_id == result["version_id"] and Document.objects.exists()


@pytest.mark.django_db
def test_the_weekly_crawl_is_a_stored_schedule_naming_a_registered_task():
    task = PeriodicTask.objects.get(name="Weekly crawl and cultural vectors rebuild")
    assert task.task == "culture.crawl_and_rebuild" and task.task in app.tasks
    assert task.crontab.day_of_week == "1" and task.crontab.hour == "1"


@pytest.mark.timeout(180)
def test_the_demo_world_gets_a_synthetic_site_crawled_into_terms(crawl_database):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run_command("seed_demo", "--listeners", "3", "--tracks", "150", "--audio-clips", "0")
    out = run_command("culture_demo", "--tracks", "150", "--port", str(port))
    assert "cultural vectors succeeded" in out
    first = Artist.objects.filter(is_synthetic=True).order_by("name").first()
    terms = json.loads(run_command("top_terms", first.name, "--json"))
    assert len(terms) >= 5
    assert not CrawlSource.objects.get().is_active  # the weekly job will not visit it
