"""How allauth makes and signs in Mnemo's accounts.

Sign-up is open unless ``MNEMO_SIGNUP_OPEN`` is off; every account made by sign-up is a
learner. Where e-mail verification is mandatory, an account an administrator (or
``load_demo``) made without any address signs in as it always did.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage
from django.conf import settings

from apps.accounts.roles import LEARNER
from apps.accounts.services import user_role_add


class EmailVerificationOfGivenAddresses(EmailVerificationStage):
    """allauth's verification stage, skipped for an account with no address at all (nothing to verify, nowhere
    to send the link); an address an administrator typed in is verified like any other, once."""

    def handle(self):
        user = self.login.user
        if not self.login.signup and not user.email and not EmailAddress.objects.filter(user_id=user.pk).exists():
            return None, True
        return super().handle()


ALLAUTH_EMAIL_STAGE = f"{EmailVerificationStage.__module__}.{EmailVerificationStage.__qualname__}"
MNEMO_EMAIL_STAGE = f"{__name__}.{EmailVerificationOfGivenAddresses.__qualname__}"


class MnemoAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.MNEMO_SIGNUP_OPEN

    def save_user(self, request, user, form, commit=True):
        """The new account, a learner (the sign-up form saves inside one transaction)."""
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user_role_add(user=user, role=LEARNER)
        return user

    def get_login_stages(self) -> list[str]:
        return [MNEMO_EMAIL_STAGE if stage == ALLAUTH_EMAIL_STAGE else stage for stage in super().get_login_stages()]
