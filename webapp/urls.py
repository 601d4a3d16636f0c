"""URL map: the ListenBrainz-compatible API under /1/, admin, accounts, and the pages."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from webapp.listening.forms import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm

# Logins are throttled per username and per IP (webapp.listening.login_throttle).
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("1/", include("webapp.api_urls")),
    path("", include("webapp.catalog.urls")),
    path("", include("webapp.listening.urls")),
    path("", include("webapp.dashboard.urls")),
    path("", include("webapp.playlists.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database lock that outlasts SQLite's busy timeout is 503 with Retry-After, not 500.
handler500 = "webapp.listening.busy.server_error"
