from django.apps import AppConfig


class AudioConfig(AppConfig):
    name = "webapp.audio"
    label = "audio"
    verbose_name = "Audio analysis"

    def ready(self) -> None:
        from webapp.audio import signals  # noqa: F401
