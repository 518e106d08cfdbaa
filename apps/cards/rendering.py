"""Card text to safe HTML: CommonMark (with GitHub's tables) rendered by cmark-gfm, then sanitised with nh3.

cmark-gfm is the C reference implementation of CommonMark; it parses in time linear in
the input, pathological inputs included (``"[" * 20000`` renders in milliseconds), and
never recurses, so deep nesting cannot raise RecursionError. Card text is nonetheless
limited in size and in how deep its lists, quotes and tags nest (``card_text_problem``),
because an HTML parser, the sanitiser's included, slows down with depth, and so does
the learner's browser. Text saved before these limits that breaks them is shown as
plain text.

Images and sounds (``<audio>``, ``<source>``) are kept only when they come from Mnemo's
own media: a file from another server would tell its owner who studies the card, and
when; and a deck's sounds are served only as the audio types their bytes show
(``apps.cards.deck_files.media_types``). The markup the note renderer writes is kept
(cloze spans, ``<details>`` hints, the typed-answer text input), with only the
renderer's own class names: a template cannot style or script its way out.
"""

import html
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.safestring import SafeString, mark_safe

CARD_TEXT_MAX_CHARS = 10_000
CARD_TEXT_MAX_NESTING = 20

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
    "sub", "sup", "hr", "a", "img", "audio", "source",
    # what the note renderer writes (knowledge_tracing.anki.templates): clozes, hints, typed answers, readings
    "span", "details", "summary", "input", "ruby", "rb", "rt",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "audio": {"src", "controls", "preload"},
    "source": {"src"},
    "span": {"class"},
    "code": {"class"},
    "details": {"class"},
    "input": {"type", "class", "autocomplete", "autocapitalize", "spellcheck", "aria-label"},
}
RENDERER_CLASSES = {"cloze", "cloze-inactive", "hint", "type-answer"}
MEDIA_ELEMENTS = ("img", "audio", "source")
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TAG_PATTERN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def _markdown_html(text: str) -> str:
    """CommonMark with tables and strikethrough; raw HTML passes through to the sanitiser."""
    return cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_UNSAFE, extensions=["table", "strikethrough"]
    )


def nesting_depth(markup: str) -> int:
    """How deep the elements of an HTML fragment nest, in one pass.

    As in HTML5, only void elements close themselves (``<div/>`` opens a div), and a
    tag never closed counts as open, so the depth is never under the parser's.
    """
    depth = deepest = 0
    for closing, name in TAG_PATTERN.findall(markup):
        if name.lower() in VOID_TAGS:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def card_text_problem(text: str) -> str | None:
    """Why the text cannot be one side of a card (too long, or nested too deep), or None if it can."""
    if len(text) > CARD_TEXT_MAX_CHARS:
        return f"Card text may be at most {CARD_TEXT_MAX_CHARS:,} characters long (this is {len(text):,})."
    if nesting_depth(_markdown_html(text)) > CARD_TEXT_MAX_NESTING:
        return f"Lists, quotes and HTML tags may nest at most {CARD_TEXT_MAX_NESTING} levels deep."
    return None


def _is_own_media(url: str) -> bool:
    """Whether ``url`` is under MEDIA_URL or is a deck's media file as the deck_media route serves it."""
    if url.startswith("//"):
        return False
    media_url = settings.MEDIA_URL if settings.MEDIA_URL.startswith(("/", "http://", "https://")) else "/" + settings.MEDIA_URL
    if url.startswith(media_url):
        return True
    try:
        return url.startswith("/") and resolve(urlsplit(url).path).view_name == "cards:deck_media"
    except Resolver404:
        return False


def is_package_media_name(url: str) -> bool:
    """Whether ``url`` is a bare file name, as an Anki note refers to a file of its own package."""
    return bool(url) and "/" not in url and ":" not in url and "\\" not in url


def sanitise_html(markup: str, *, media_allowed: Callable[[str], bool] = _is_own_media) -> str:
    """The HTML with only the allowed tags and attributes, safe links, and images and sounds whose source ``media_allowed`` accepts.

    Shown text keeps media from Mnemo's own media only; an import passes
    ``is_package_media_name`` to keep references to its package's files until they are
    pointed at the media they became.
    """

    def keep_attribute(element: str, attribute: str, value: str) -> str | None:
        if element in MEDIA_ELEMENTS and attribute == "src" and not media_allowed(value):
            return None
        if attribute == "class":
            return " ".join(name for name in value.split() if name in RENDERER_CLASSES) or None
        if element == "input" and attribute == "type" and value != "text":
            return None
        return value

    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_card_text(text: str) -> SafeString:
    """HTML for a card side; text over the limits (saved before them) is shown as plain text."""
    markup = _markdown_html(text) if len(text) <= CARD_TEXT_MAX_CHARS else None
    if markup is None or nesting_depth(markup) > CARD_TEXT_MAX_NESTING:
        markup = f"<p>{html.escape(text)}</p>"
    return mark_safe(sanitise_html(markup))
