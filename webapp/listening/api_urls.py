"""ListenBrainz-compatible API routes, mounted under /1/ by webapp.urls.

Every route here is described in webapp.listening.api.openapi (a test holds them together).
"""

from django.urls import path

from webapp.listening.api import views

urlpatterns = [
    path("submit-listens", views.submit_listens, name="api_submit_listens"),
    path("validate-token", views.validate_token, name="api_validate_token"),
    path("user/<str:user_name>/listens", views.user_listens, name="api_user_listens"),
    path("user/<str:user_name>/playing-now", views.user_playing_now, name="api_user_playing_now"),
    path("user/<str:user_name>/listen-count", views.user_listen_count, name="api_listen_count"),
    path("openapi.json", views.openapi, name="api_openapi"),
]
