"""Listener pages served by the trained models."""

from django.urls import path

from webapp.training import views

urlpatterns = [
    path("listeners/<str:username>/", views.listener_detail, name="listener_detail"),
]
