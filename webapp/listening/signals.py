"""Every user is a listener: a profile is created with the user (its API token when asked for)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from webapp.listening.models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_profile_ensure(sender, instance, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw"):
        Profile.objects.get_or_create(user=instance)
