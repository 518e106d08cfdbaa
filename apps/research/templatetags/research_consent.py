"""``{% research_consent_form user %}``: the consent switch and history on the settings page."""

from django import template

from apps.research.selectors import consent_periods

register = template.Library()


@register.inclusion_tag("research/consent_form.html")
def research_consent_form(user) -> dict:
    periods = list(consent_periods(learner=user))
    return {"periods": periods, "consenting": bool(periods) and periods[-1].ended_at is None}
