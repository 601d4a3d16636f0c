from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "webapp.training"
    label = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from webapp.listening.signals import signals_changed
        from webapp.training import services
        from webapp.training.models import ModelKind
        from webapp.training.registry import registry

        registry.register(
            ModelKind.CF, load=services.cf_serving_load, refresh=services.cf_serving_refresh
        )
        signals_changed.connect(_listeners_changed, dispatch_uid="training.cf_refresh")


def _listeners_changed(sender, user_ids, **kwargs) -> None:
    """New signals from these listeners: re-solve their CF vectors in a task."""
    from webapp.training.tasks import refresh_listeners_enqueue

    refresh_listeners_enqueue(user_ids)
