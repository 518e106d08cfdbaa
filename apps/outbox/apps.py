from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Task messages kept in the database until a worker starts them, so a broker outage loses no work."""

    name = "apps.outbox"
    label = "outbox"

    def ready(self) -> None:
        from apps.outbox import enqueue  # noqa: F401  (connects the worker signal that clears started messages)
