"""Pages that combine catalog, listening and the models: artists, tracks, listeners."""

from django.urls import path

from webapp.dashboard import views

urlpatterns = [
    path("artists/<int:pk>/", views.artist_detail, name="artist_detail"),
    path("tracks/<int:pk>/", views.track_detail, name="track_detail"),
    path("listeners/<str:username>/", views.listener_detail, name="listener_detail"),
]
