"""``{{ card.front|card_html }}``: card Markdown as sanitised HTML."""

from django import template

from apps.cards.rendering import render_card_text

register = template.Library()


@register.filter
def card_html(text: str):
    return render_card_text(text)
