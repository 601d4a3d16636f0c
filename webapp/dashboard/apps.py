from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DashboardConfig(AppConfig):
    name = "webapp.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from webapp.dashboard.curators import curators_group_ensure

        # After every app's migrations and permissions exist (post_migrate runs once per
        # app; the last one to run sees them all).
        post_migrate.connect(curators_group_ensure, dispatch_uid="dashboard.curators")
