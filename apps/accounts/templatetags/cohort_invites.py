"""``invite|invite_refusal:now``: why an invite no longer works, for the cohort page."""

from django import template

register = template.Library()


@register.filter
def invite_refusal(invite, now) -> str | None:
    return invite.refusal(now)
