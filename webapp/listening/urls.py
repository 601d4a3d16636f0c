"""Listener page URLs (home, library, profile) and the player's POST endpoints."""

from django.urls import path

from webapp.listening import accounts, views

urlpatterns = [
    path("library/", views.library, name="library"),
    path("profile/", views.profile, name="profile"),
    path("profile/token", views.token_regenerate, name="token_regenerate"),
    path("profile/delete", accounts.account_delete, name="account_delete"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("tracks/<int:pk>/play", views.track_play, name="track_play"),
    path("tracks/<int:pk>/skip", views.track_skip, name="track_skip"),
    path("tracks/<int:pk>/save", views.track_save, name="track_save"),
    path("tracks/<int:pk>/unsave", views.track_unsave, name="track_unsave"),
]
