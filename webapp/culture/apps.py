from django.apps import AppConfig


class CultureConfig(AppConfig):
    name = "webapp.culture"
    label = "culture"
    verbose_name = "Cultural vectors"
