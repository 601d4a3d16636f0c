"""The Django project: adapts the recommender library to the database, tasks and pages."""

from webapp.celery import app as celery_app

__all__ = ("celery_app",)
