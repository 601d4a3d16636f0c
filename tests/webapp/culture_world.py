"""Helpers for the culture tests: catalog rows and pages stored without a crawl."""

import datetime as dt

from django.utils import timezone

from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name
from webapp.culture.services import PageData, documents_store


def artist(name: str) -> Artist:
    return Artist.objects.create(name=name, name_normalized=normalize_name(name))


def track(of: Artist, title: str) -> Track:
    return Track.objects.create(artist=of, title=title, title_normalized=normalize_name(title))


def page(url: str, title: str, text: str, *, days_ago: int = 0) -> PageData:
    when = timezone.now() - dt.timedelta(days=days_ago)
    return PageData(url=url, title=title, text=text, published=when.date(), fetched_at=when)


def store(*pages: PageData):
    return documents_store(pages=list(pages))


SHOEGAZE = "A dreamy shoegaze record: hazy guitars, reverb everywhere, whispered vocals."
METAL = "A loud thrash record: fast riffs, double-kick drums and shouted choruses."
GARDEN = "Notes on pruning roses, watering tomatoes and the weather this spring."
