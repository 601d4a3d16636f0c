"""The site's URLs plus media files, for browser tests: live_server runs with DEBUG off, and
static() in webapp/urls.py only serves media with DEBUG on."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.static import serve

from webapp.urls import urlpatterns as site_urlpatterns


def media(request: HttpRequest, path: str) -> HttpResponse:
    """Read MEDIA_ROOT per request: the tests point it at a temporary folder."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *site_urlpatterns]
