"""Template filter for the experiment page: a proportion in [0, 1] as a percentage."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.8251 -> '82.5%'; None (no data) -> an en dash."""
    return "–" if value is None else f"{100 * value:.1f}%"
