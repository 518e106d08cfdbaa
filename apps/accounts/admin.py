from django.contrib import admin

from apps.accounts.models import ApiToken, Cohort, LearnerSettings


@admin.register(LearnerSettings)
class LearnerSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "cards_per_session"]
    search_fields = ["user__username"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at"]
    readonly_fields = ["user", "key_digest", "created_at", "last_used_at"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at", "updated_at"]
    search_fields = ["name", "owner__username", "members__username"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["members", "decks"]
