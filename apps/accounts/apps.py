from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users' roles, per-learner study settings and API tokens."""

    name = "apps.accounts"
    label = "accounts"
