"""Admin for experiments: arms inline; assignments are read-only (a learner never changes arm)."""

from django.contrib import admin

from apps.experiments.models import ArmAssignment, Experiment, ExperimentArm


class ExperimentArmInline(admin.TabularInline):
    model = ExperimentArm
    extra = 0


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "deck", "status", "created_by", "started_at", "stopped_at"]
    list_filter = ["status"]
    search_fields = ["name", "deck__title"]
    list_select_related = ["deck", "created_by"]
    readonly_fields = ["uuid", "created_at"]
    inlines = [ExperimentArmInline]


@admin.register(ArmAssignment)
class ArmAssignmentAdmin(admin.ModelAdmin):
    list_display = ["learner", "experiment", "arm", "assigned_at"]
    list_select_related = ["learner", "experiment", "arm"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
