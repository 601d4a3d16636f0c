"""The Celery app.

With CELERY_BROKER_URL unset, settings make every task run eagerly in-process; with a Redis
URL it is the real deployment: `celery -A webapp worker` and `celery -A webapp beat`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("webapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
