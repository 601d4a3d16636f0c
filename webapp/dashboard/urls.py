"""Pages that combine catalog, listening and the models: artists, tracks, listeners' dashboards
and curators' model version pages."""

from django.urls import path

from webapp.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("artists/<int:pk>/", views.artist_detail, name="artist_detail"),
    path("tracks/<int:pk>/", views.track_detail, name="track_detail"),
    path("listeners/<str:username>/", views.listener_detail, name="listener_detail"),
    path("dashboard/", views.my_dashboard, name="dashboard"),
    path("models/<int:pk>/", views.model_version_detail, name="model_version_detail"),
]
