from django.apps import AppConfig


class AudioConfig(AppConfig):
    name = "webapp.audio"
    label = "audio"
    verbose_name = "Audio analysis"

    def ready(self) -> None:
        from webapp.audio import signals  # noqa: F401
        from webapp.audio.training import audio_serving_load, audio_serving_refresh
        from webapp.training.models import ModelKind
        from webapp.training.registry import registry

        registry.register(ModelKind.AUDIO, load=audio_serving_load, refresh=audio_serving_refresh)
