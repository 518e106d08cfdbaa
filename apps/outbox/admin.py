"""The outbox in the admin, read-only: what is waiting for the broker, and why the last send failed."""

from django.contrib import admin

from apps.admin_base import ReadOnlyAdmin
from apps.outbox.models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "task_name", "args", "queue", "sent_at", "attempts", "last_error"]
    list_filter = ["task_name"]
