"""Listening events other apps react to, and the profile every new user gets (its API token
when asked for).

`signals_changed` is sent after the transaction that stored a listener's listens, saves,
skips, refusals or artist visits commits (with `user_ids`); training re-solves their CF
vectors from it. Listening never imports the apps above it: they connect here.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from webapp.listening.models import Profile

signals_changed = Signal()


def signals_changed_on_commit(user_ids: Iterable[int]) -> None:
    """Send `signals_changed` for these listeners once the current transaction commits."""
    ids = sorted({int(user_id) for user_id in user_ids})
    if ids:
        transaction.on_commit(lambda: signals_changed.send(sender=Profile, user_ids=ids))


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_profile_ensure(sender, instance, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw"):
        Profile.objects.get_or_create(user=instance)
