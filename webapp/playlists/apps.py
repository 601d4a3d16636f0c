from django.apps import AppConfig


class PlaylistsConfig(AppConfig):
    name = "webapp.playlists"
    label = "playlists"
    verbose_name = "Weekly playlists"
