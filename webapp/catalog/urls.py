"""Catalog page URLs: /browse/."""

from django.urls import path

from webapp.catalog import views

urlpatterns = [
    path("browse/", views.browse, name="browse"),
]
