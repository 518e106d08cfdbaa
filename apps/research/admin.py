from django.contrib import admin

from apps.research.models import ResearchConsentPeriod, ResearchExport


@admin.register(ResearchConsentPeriod)
class ResearchConsentPeriodAdmin(admin.ModelAdmin):
    """Consent history is read-only here: only the learner opts in or out, on their settings page."""

    list_display = ("learner", "started_at", "ended_at")
    readonly_fields = ("learner", "started_at", "ended_at")

    def has_add_permission(self, request):
        return False


@admin.register(ResearchExport)
class ResearchExportAdmin(admin.ModelAdmin):
    list_display = ("uuid", "requested_by", "format", "status", "total_rows", "created_at", "expires_at")
    list_filter = ("format", "status")
    readonly_fields = [field.name for field in ResearchExport._meta.fields]

    def has_add_permission(self, request):
        return False
