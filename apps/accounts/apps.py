from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users' roles, per-learner study settings, API tokens, cohorts and how people sign up and in."""

    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import invite_sign_in, two_factor  # noqa: F401  (signal receivers)
