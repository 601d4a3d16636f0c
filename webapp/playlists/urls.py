"""The listener's Discover Weekly pages and controls under /weekly/."""

from django.urls import path

from webapp.playlists import views

urlpatterns = [
    path("weekly/", views.weekly, name="weekly"),
    path("weekly/settings", views.discovery_set, name="weekly_discovery"),
    path("weekly/rebuild", views.rebuild, name="weekly_rebuild"),
    path("weekly/tracks/<int:pk>/refuse", views.pick_refuse, name="weekly_refuse"),
    path("weekly/artists/<int:pk>/hide", views.artist_hide, name="weekly_hide_artist"),
    path("weekly/artists/<int:pk>/unhide", views.artist_unhide, name="weekly_unhide_artist"),
    path("weekly/<str:week>/", views.weekly, name="weekly_week"),
    path("weekly/<str:week>/playlist.jspf", views.weekly_jspf, name="weekly_jspf"),
    path("weekly/<str:week>/playlist.m3u", views.weekly_m3u, name="weekly_m3u"),
]
