from django.apps import AppConfig


class CultureConfig(AppConfig):
    name = "webapp.culture"
    label = "culture"
    verbose_name = "Cultural vectors"

    def ready(self) -> None:
        from webapp.culture.selectors import culture_serving_load
        from webapp.training.models import ModelKind
        from webapp.training.registry import registry

        registry.register(ModelKind.CULTURE, load=culture_serving_load)
