"""Model versions: one row per training run, an artifact on disk, at most one active per kind.

A version becomes active only after training and evaluation succeeded, so a failed or
interrupted run leaves the previous version serving.
"""

from django.conf import settings
from django.db import models


class ModelKind(models.TextChoices):
    CF = "cf", "Collaborative filtering (ALS)"
    AUDIO = "audio", "Audio CNN"
    CULTURE = "culture", "Cultural vectors"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (data unchanged)"


class ModelVersion(models.Model):
    kind = models.CharField(max_length=16, choices=ModelKind.choices)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    is_active = models.BooleanField(default=False)
    params = models.JSONField(default=dict, blank=True)
    data_counts = models.JSONField(default=dict, blank=True)
    data_fingerprint = models.CharField(max_length=64, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(default=0.0, help_text="0..1 while running")
    progress_message = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    vector_seq = models.BigIntegerField(
        default=0,
        help_text="Sequence number of the last batch of rows written after training "
        "(CF listener vectors, audio predictions for new tracks).",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last progress report of a running run."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(is_active=True),
                name="modelversion_one_active_per_kind",
            )
        ]
        indexes = [models.Index(fields=["kind", "status"], name="modelversion_kind_status")]

    def __str__(self) -> str:
        active = " (active)" if self.is_active else ""
        return f"{self.get_kind_display()} #{self.pk} {self.status}{active}"


class ListenerVector(models.Model):
    """A listener's CF vector re-solved after `version` was trained, from their newer signals.

    implicit's per-user recalculation against the version's fixed track vectors: the dashboard
    and playlists reflect this week's listening without a full retrain. `seq` comes from the
    version's `vector_seq`, taken under a row lock in the writing transaction, so batches
    commit in `seq` order and every process applies them by that key (never by a clock).
    `read_at` orders solves instead: the nightly batch that read everyone's signals before a
    listener's own re-solve must not put back the older vector when it writes after it.
    """

    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="vectors", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cf_vectors"
    )
    factors = models.BinaryField(help_text="float32 little-endian")
    seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    read_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the signals it was solved from were read (the database's clock): a "
        "solve from older signals never replaces it.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="listenervector_unique")
        ]
        indexes = [models.Index(fields=["version", "seq"], name="listenervector_version_seq")]


class CFTuning(models.Model):
    """One search for CF's factors, regularization, alpha and eps on the product's own data.

    The latest applied tuning gives the params of the next retrain (`cf_params_default`).
    """

    params = models.JSONField(help_text="The params the search chose.")
    table = models.JSONField(default=list, blank=True, help_text="Every point it tried.")
    split = models.CharField(max_length=16, blank=True)
    metric = models.CharField(max_length=16, blank=True)
    best_score = models.FloatField(null=True, blank=True)
    popularity_score = models.FloatField(null=True, blank=True)
    validation_users = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    seconds = models.FloatField(default=0.0)
    applied = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "CF tuning"

    def __str__(self) -> str:
        return f"CF tuning #{self.pk}{' (applied)' if self.applied else ''}"
