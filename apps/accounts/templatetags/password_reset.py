"""``{% password_reset_offered as offered %}``: whether Mnemo can send e-mail, so whether to link to password reset.

For templates rendered without a request's context (allauth's help text under a password field).
"""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def password_reset_offered() -> bool:
    return settings.MNEMO_PASSWORD_RESET
