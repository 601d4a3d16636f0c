"""Curators' view of training runs: status, progress, metrics; activate a version, retrain."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from webapp.listening.outages import outage_log
from webapp.training import services
from webapp.training.models import CFTuning, ListenerVector, ModelKind, ModelVersion
from webapp.training.tasks import UNREACHABLE, retrain_cf

RETRAIN_NOT_QUEUED = (
    "The retrain was not started: the task queue (Redis) cannot be reached. Start it again "
    "once Redis is back; the active version keeps serving meanwhile."
)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "is_active",
        "progress_bar",
        "ndcg_at_10",
        "pairs",
        "duration_s",
        "started_at",
    ]
    list_filter = ["kind", "status", "is_active"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate_version", "mark_failed"]
    change_list_template = "admin/training/modelversion/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        services.runs_stale_mark_failed()  # a run whose process died shows failed, not running
        extra = {"can_retrain": self.has_change_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def get_urls(self):
        retrain = self.admin_site.admin_view(require_POST(self.retrain_view))
        return [
            path("retrain/", retrain, name="training_modelversion_retrain"),
            *super().get_urls(),
        ]

    def retrain_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """Queue a CF retrain (the changelist's button); its row shows the progress.

        Without a broker the task runs eagerly inside this request, so a failed run is
        reported here too (its row already records the error).
        """
        if not self.has_change_permission(request):
            raise PermissionDenied
        if busy := services.run_under_way(kind=ModelKind.CF):
            self.message_user(request, busy, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:training_modelversion_changelist"))

        def enqueue() -> None:
            try:
                # The row shows progress; no result is read, so none is waited on either
                # (a result store that is down would hold this request for 20 s).
                retrain_cf.apply_async(kwargs={"force": True}, ignore_result=True)
            except services.TrainingError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            except UNREACHABLE as exc:
                outage_log("CF retrain not queued: the task queue cannot be reached", exc)
                self.message_user(request, RETRAIN_NOT_QUEUED, messages.ERROR)
            else:
                self.message_user(
                    request, "CF retrain started; its progress shows in this list.", messages.INFO
                )

        transaction.on_commit(enqueue)
        return HttpResponseRedirect(reverse("admin:training_modelversion_changelist"))

    @admin.display(description="progress")
    def progress_bar(self, obj: ModelVersion) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}',
            round(obj.progress * 100),
            obj.progress_message,
        )

    @admin.display(description="NDCG@10")
    def ndcg_at_10(self, obj: ModelVersion) -> str:
        value = obj.metrics.get("ndcg@10")
        baseline = obj.metrics.get("popularity_ndcg@10")
        if value is None:
            return "–"
        return f"{value:.3f}" + (f" (pop {baseline:.3f})" if baseline is not None else "")

    @admin.display(description="pairs")
    def pairs(self, obj: ModelVersion) -> int | None:
        return obj.data_counts.get("pairs")

    @admin.action(description="Activate the selected version (serve it)")
    def activate_version(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        try:
            version = services.version_activate(version=queryset.get())
        except services.TrainingError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Version #{version.pk} is now active.", messages.SUCCESS)

    @admin.action(description="Mark failed: the run's process died", permissions=["change"])
    def mark_failed(self, request, queryset) -> None:
        marked = services.running_mark_failed(queryset=queryset)
        self.message_user(request, f"{marked} running runs marked failed.")


@admin.register(ListenerVector)
class ListenerVectorAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "updated_at"]
    raw_id_fields = ["user", "version"]
    readonly_fields = ["user", "version", "updated_at"]
    exclude = ["factors"]


@admin.register(CFTuning)
class CFTuningAdmin(admin.ModelAdmin):
    """Each search for CF's params on the product's data; the applied one trains next."""

    list_display = [
        "pk", "created_at", "params", "split", "best_score", "popularity_score",
        "validation_users", "complete", "seconds", "applied",
    ]  # fmt: skip
    list_filter = ["applied", "split"]
    readonly_fields = [f.name for f in CFTuning._meta.fields if f.name != "applied"]

    def has_add_permission(self, request) -> bool:
        return False
