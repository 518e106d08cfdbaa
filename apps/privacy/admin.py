"""Pending account deletions and their dates, for administrators; erased ones as a record of counts only."""

from django.contrib import admin

from apps.privacy.models import AccountDeletion


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    list_display = ("account", "status", "requested_at", "erase_after", "cancelled_at", "erased_at", "attempts")
    list_filter = ("status",)
    date_hierarchy = "erase_after"
    search_fields = ("user__username",)
    readonly_fields = [field.name for field in AccountDeletion._meta.fields]

    @admin.display(description="account", ordering="user__username")
    def account(self, deletion: AccountDeletion) -> str:
        return deletion.user.get_username() if deletion.user_id else "(erased)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
