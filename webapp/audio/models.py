"""One analysis row per track: its status, the Echo-Nest-style features, the cached
spectrogram, and the vector the active audio model predicted for it after training."""

from django.db import models

from webapp.catalog.models import Track
from webapp.training.models import ModelVersion


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class TrackAnalysis(models.Model):
    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="analysis")
    status = models.CharField(
        max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    error = models.TextField(blank=True, help_text="Why the analysis failed, in plain words.")
    analyzer_version = models.CharField(max_length=16, blank=True)
    audio_name = models.CharField(
        max_length=500, blank=True, help_text="The track's audio file this analysis is of."
    )
    features = models.JSONField(default=dict, blank=True, help_text="Analysis.to_dict()")
    tempo = models.FloatField(null=True, blank=True)
    key = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 = C ... 11 = B")
    mode = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 major, 0 minor")
    loudness = models.FloatField(null=True, blank=True, help_text="integrated LUFS")
    time_signature = models.PositiveSmallIntegerField(null=True, blank=True)
    spectrogram_path = models.CharField(max_length=500, blank=True)
    predicted_by = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The audio version that predicted `vhat` after it was trained.",
        db_index=False,
    )
    prediction_seq = models.BigIntegerField(
        default=0, help_text="The predicting version's sequence number when this was written."
    )
    vhat = models.BinaryField(null=True, blank=True, help_text="float32 little-endian")
    embedding = models.BinaryField(null=True, blank=True, help_text="float32 little-endian")
    analysed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "track analyses"
        indexes = [
            models.Index(fields=["status"], name="trackanalysis_status"),
            models.Index(
                fields=["predicted_by", "prediction_seq"], name="trackanalysis_predicted_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"Analysis of track #{self.track_id}: {self.status}"
