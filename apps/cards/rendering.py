"""Card text to safe HTML: Markdown rendered, then sanitised with nh3 (no script, no event handlers)."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
    "sub", "sup", "hr", "a", "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


def render_card_text(text: str) -> SafeString:
    """HTML for a card side; anything outside the allowed tags and attributes is stripped."""
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    return mark_safe(clean_html(html))


def clean_html(html: str) -> str:
    """HTML reduced to the allowed tags and attributes: the one sanitiser for shown and imported text."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
