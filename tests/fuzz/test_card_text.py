"""Any card text renders to safe HTML or plain text: no script, no event handlers, no foreign images, no unsafe links."""

from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st

from apps.cards.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, CARD_TEXT_MAX_CHARS, card_text_problem, render_card_text

HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<img src=\"https://tracker.example/p.gif\">",
    "<a href=\"javascript:alert(1)\">x</a>", "[x](javascript:alert(1))", "![t](https://tracker.example/t.png)",
    "<svg onload=alert(1)>", "<iframe src=//evil>", "<style>*{}</style>", "<a href=\"jav&#x09;ascript:alert(1)\">",
    "<img src=/media/ok.png>", "<img src=\"//evil.example/x.png\">", "<<script>script>", "<!--", "-->", "<![CDATA[",
    "<math><mi xlink:href=\"javascript:1\">", "<details open ontoggle=alert(1)>", "<form action=//evil><input>",
    "<object data=x>", "<base href=//evil>", "<meta http-equiv=refresh content=0;url=//evil>", "`", "```", "|a|b|\n|-|-|",
    "> ", "- ", "1. ", "*", "_", "~~", "[", "](", ")", "<", ">", "&", "\"", "'", "\n", "\t", " ", "\x00", "\u202e",
]
card_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)), max_size=60).map("".join)
any_text = st.one_of(card_text, st.text(max_size=CARD_TEXT_MAX_CHARS + 200))


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _is_safe_url(url: str) -> bool:
    scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
    return scheme in ("", "http", "https", "mailto")


@given(any_text)
@example("<img src=x onerror=alert(1)>" * 3)
@example("[" * (CARD_TEXT_MAX_CHARS + 1))
def test_any_text_renders_to_html_with_only_the_allowed_elements(text):
    markup = str(render_card_text(text))
    parser = Elements()
    parser.feed(markup)
    parser.close()
    for tag, attributes in parser.found:
        assert tag in ALLOWED_TAGS, (tag, markup)
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, attributes)
        if tag == "a" and attributes.get("href"):
            assert _is_safe_url(attributes["href"]), attributes["href"]
        if tag == "img":
            assert (attributes.get("src") or "/media/").startswith("/media/"), attributes


@given(any_text)
def test_the_limits_check_answers_every_text_with_a_reason_or_none(text):
    problem = card_text_problem(text)
    assert problem is None or (isinstance(problem, str) and problem)
    if len(text) > CARD_TEXT_MAX_CHARS:
        assert problem and "at most" in problem
