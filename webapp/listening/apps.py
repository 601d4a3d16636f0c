from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "webapp.listening"
    label = "listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        from webapp.listening import signals  # noqa: F401
        from webapp.listening.checks import shared_cache_warn

        shared_cache_warn()
