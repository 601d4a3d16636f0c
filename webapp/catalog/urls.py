"""Catalog page URLs: /browse/, /artists/<pk>/, /tracks/<pk>/."""

from django.urls import path

from webapp.catalog import views

urlpatterns = [
    path("browse/", views.browse, name="browse"),
    path("artists/<int:pk>/", views.artist_detail, name="artist_detail"),
    path("tracks/<int:pk>/", views.track_detail, name="track_detail"),
]
