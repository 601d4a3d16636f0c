"""Audio saved on a track (admin upload, scan_library) queues its analysis after commit."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from webapp.audio.models import TrackAnalysis
from webapp.catalog.models import Track


@receiver(post_save, sender=Track)
def track_audio_queue_analysis(sender, instance: Track, raw: bool = False, **kwargs) -> None:
    """Queue an analysis when the track's audio file is new or changed (not on every save)."""
    if raw or not instance.audio:
        return
    analysed = TrackAnalysis.objects.filter(track_id=instance.pk).values_list(
        "audio_name", flat=True
    )
    if instance.audio.name in analysed:
        return
    from webapp.audio.services import analysis_queue

    analysis_queue(track_ids=[instance.pk])
