from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "apps.dashboards"

    def ready(self) -> None:
        from apps.dashboards import signals  # noqa: F401  (snapshots after each promotion)
