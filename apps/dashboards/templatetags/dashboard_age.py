"""``{{ snapshot.computed_at|ago }}``: how old a page's numbers are, in words ("just now", "3 minutes ago")."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(moment) -> str:
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment)} ago"
