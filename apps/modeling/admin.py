"""Admin for modeling: start runs, watch their progress, promote and roll back versions, see calibration.

The calibration pages are custom admin views (``admin_view`` wraps them), so only
signed-in staff reach them; anyone else is sent to the admin login. As on the admin's
own pages, staff without the view permission of what a page shows get 403.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.admin_base import ReadOnlyAdmin
from apps.modeling import selectors
from apps.modeling.kinds import check_hyperparameters
from apps.modeling.models import CardEmbedding, ModelVersion, OnlineCheck, Promotion, TrainingRun
from apps.modeling.promotion import model_version_promote, scope_rollback
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_enqueue


class TrainingRunForm(forms.ModelForm):
    """The start-a-run form: a deck or a cohort, or neither (all learners), never both."""

    class Meta:
        model = TrainingRun
        fields = ["kind", "deck", "cohort", "hyperparameters"]

    def clean(self):
        cleaned = super().clean()
        try:
            Scope.of_targets(deck=cleaned.get("deck"), cohort=cleaned.get("cohort"))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if cleaned.get("hyperparameters") is None:
            cleaned["hyperparameters"] = {}
        if cleaned.get("kind"):
            try:
                check_hyperparameters(cleaned["kind"], cleaned["hyperparameters"])
            except ValueError as error:
                self.add_error("hyperparameters", str(error))
        return cleaned


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Adding a run here queues it for a worker: choose the kind, and a deck or a cohort (neither: all learners)."""

    form = TrainingRunForm
    list_display = ["created_at", "kind", "scope_key", "status", "trigger", "duration", "progress_summary", "message"]
    list_filter = ["status", "kind", "trigger"]
    fields = ["kind", "deck", "cohort", "hyperparameters"]
    readonly_after_creation = [
        "uuid", "kind", "scope_key", "deck", "cohort", "hyperparameters", "trigger", "requested_by", "status", "created_at",
        "started_at", "heartbeat_at", "finished_at", "worker", "progress", "message", "n_logs", "peak_memory_mb",
    ]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.readonly_after_creation

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_after_creation

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        obj.scope_key = Scope.of_targets(deck=obj.deck, cohort=obj.cohort).key
        obj.trigger = TrainingRun.Trigger.ADMIN
        obj.requested_by = request.user
        super().save_model(request, obj, form, change)
        training_run_enqueue(run=obj)

    @admin.display(description="progress")
    def progress_summary(self, run: TrainingRun) -> str:
        return ", ".join(f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}" for key, value in run.progress.items())


def require_view_permission(request, *models) -> None:
    """403 unless the user may view (or change) every model's rows, the rule of ``ModelAdmin.has_view_permission``."""
    for model in models:
        opts = model._meta
        if not any(request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}") for action in ("view", "change")):
            raise PermissionDenied


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "label", "kind", "scope_key", "is_active", "auc", "log_loss", "ece", "brier", "n", "fallback_count", "created_at",
        "calibration_link",
    ]
    list_filter = ["kind", "scope_key", "is_active"]
    actions = ["promote", "roll_back"]

    def get_queryset(self, request):
        return selectors.with_fallback_counts(super().get_queryset(request))

    @admin.display(description="fallbacks", ordering="fallbacks")
    def fallback_count(self, version: ModelVersion) -> str:
        """Showings this version failed to score (FSRS due order chose instead), of all it was asked to choose."""
        return f"{version.fallbacks} of {version.showings}"

    def has_promote_permission(self, request) -> bool:
        """Promoting and rolling back change what learners are served: the model's change permission."""
        return request.user.has_perm("modeling.change_modelversion")

    def get_urls(self):
        own = [
            path("<int:version_id>/calibration/", self.admin_site.admin_view(self.calibration_view), name="modeling_calibration"),
            path("scope/<str:scope_key>/", self.admin_site.admin_view(self.scope_view), name="modeling_scope"),
        ]
        return own + super().get_urls()

    @admin.display(description="calibration")
    def calibration_link(self, version: ModelVersion) -> str:
        return format_html('<a href="{}">reliability diagram</a>', reverse("admin:modeling_calibration", args=[version.pk]))

    @admin.action(description="Promote the selected version (serve it for its scope)", permissions=["promote"])
    def promote(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to promote.", messages.ERROR)
            return
        version = queryset.get()
        changed = model_version_promote(version=version, actor=request.user)
        self.message_user(request, f"{version.label} now serves {version.scope_key}." if changed else f"{version.label} was already active.")

    @admin.action(description="Roll back the scope of the selected version to its previous version", permissions=["promote"])
    def roll_back(self, request, queryset):
        for scope_key in sorted(set(queryset.values_list("scope_key", flat=True))):
            try:
                promotion = scope_rollback(scope_key=scope_key, actor=request.user)
            except ValueError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            self.message_user(request, f"{scope_key} is served by {promotion.version.label} again.")

    def calibration_view(self, request, version_id: int):
        require_view_permission(request, ModelVersion)
        version = get_object_or_404(ModelVersion, pk=version_id)
        window = request.GET.get("window", "30")
        if window not in selectors.ONLINE_WINDOWS:
            window = "30"
        context = {
            **self.admin_site.each_context(request),
            "title": f"Calibration of {version.label}",
            "opts": self.model._meta,
            "version": version,
            "offline": selectors.offline_calibration(version),
            "online": selectors.online_calibration(version, days=selectors.ONLINE_WINDOWS[window]),
            "online_check": OnlineCheck.objects.filter(version=version).select_related("rollback__version").first(),
            "window": window,
            "windows": list(selectors.ONLINE_WINDOWS),
        }
        return TemplateResponse(request, "modeling/admin/calibration.html", context)

    def scope_view(self, request, scope_key: str):
        require_view_permission(request, ModelVersion, TrainingRun)
        try:
            Scope.from_key(scope_key)
        except ValueError:
            raise Http404(f"no scope {scope_key!r}") from None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Model versions of {scope_key}",
            "opts": self.model._meta,
            "scope_key": scope_key,
            "versions": selectors.scope_versions(scope_key),
            "runs": selectors.scope_runs(scope_key),
        }
        return TemplateResponse(request, "modeling/admin/scope.html", context)


@admin.register(Promotion)
class PromotionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "scope_key", "action", "version", "previous", "actor", "reason"]
    list_filter = ["action", "scope_key"]


@admin.register(OnlineCheck)
class OnlineCheckAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "version", "verdict", "reason", "rollback"]
    list_filter = ["verdict"]
    list_select_related = ["version", "rollback"]


@admin.register(CardEmbedding)
class CardEmbeddingAdmin(ReadOnlyAdmin):
    list_display = ["content_hash", "encoder", "dimension", "created_at"]
    search_fields = ["content_hash"]
