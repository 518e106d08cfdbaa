"""``{% if cohort|dashboard_visible_to:user %}``: show a link to a cohort's dashboard only to those it opens for."""

from django import template

from apps.dashboards.access import may_see_cohort_dashboard

register = template.Library()


@register.filter
def dashboard_visible_to(cohort, user) -> bool:
    return may_see_cohort_dashboard(user, cohort)
