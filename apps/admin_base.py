"""Admin classes that several apps share; here, below every app, so that no app imports another's admin."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are facts (logs, versions, promotions): shown, never added, edited or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
