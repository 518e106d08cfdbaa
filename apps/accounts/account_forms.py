"""allauth's account and two-factor forms, each text field with an upper length.

allauth leaves passwords, codes and the sign-in name unbounded; here every text field
without a limit gets one, shown to the browser (``maxlength``) and checked on the
server with Django's usual message, before anything is looked up or hashed.
"""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.core.validators import MaxLengthValidator
from django.db import transaction

from apps.accounts.two_factor import refuse_code_while_locked_out

FIELD_LIMITS = {"username": 150, "login": 254, "email": 254, "code": 64}
TEXT_LIMIT = 256  # passwords and any other text field


class LengthLimited:
    """Mixed into a form: every CharField is held to FIELD_LIMITS' limit for its name (or TEXT_LIMIT), or its own if lower.

An address longer than 254 characters (allauth allows 320) would not fit the user table."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField):
                continue
            limit = min(field.max_length or TEXT_LIMIT, FIELD_LIMITS.get(name, TEXT_LIMIT))
            if field.max_length != limit:
                field.max_length = limit
                field.validators.append(MaxLengthValidator(limit))
                field.widget.attrs["maxlength"] = str(limit)


class LoginForm(LengthLimited, account_forms.LoginForm):
    """One box for the username or the e-mail address; the page itself links to password reset where it exists."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "autofocus": True, "placeholder": ""})
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs["placeholder"] = ""


class SignupForm(LengthLimited, account_forms.SignupForm):
    def save(self, request):
        """The user, their role and their address are written together or not at all."""
        with transaction.atomic():
            return super().save(request)


class AddEmailForm(LengthLimited, account_forms.AddEmailForm):
    pass


class ChangePasswordForm(LengthLimited, account_forms.ChangePasswordForm):
    pass


class SetPasswordForm(LengthLimited, account_forms.SetPasswordForm):
    pass


class ResetPasswordForm(LengthLimited, account_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(LengthLimited, account_forms.ResetPasswordKeyForm):
    pass


class ReauthenticateForm(LengthLimited, account_forms.ReauthenticateForm):
    pass


class TwoFactorAuthenticateForm(LengthLimited, mfa_forms.AuthenticateForm):
    """The code asked for after the password; refused outright while the account is locked out (axes)."""

    def clean_code(self) -> str:
        refuse_code_while_locked_out(self.user)
        return super().clean_code()


class TwoFactorReauthenticateForm(LengthLimited, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(LengthLimited, totp_forms.ActivateTOTPForm):
    pass
