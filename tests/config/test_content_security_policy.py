"""The Content-Security-Policy: sent with every page, and no template needs 'unsafe-inline' to pass it."""

import re
from pathlib import Path

from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def test_pages_and_the_api_send_a_policy_without_unsafe_inline(owner, private_deck, web_client_for, api_client_for):
    pages = [reverse("cards:deck_list"), reverse("cards:deck_detail", kwargs={"deck_uuid": private_deck.uuid}), reverse("login")]
    for url in pages:
        policy = web_client_for(owner).get(url)["Content-Security-Policy"]
        directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", url
        assert directives["img-src"] == "'self' data:" and directives["frame-ancestors"] == "'none'", url
        assert "unsafe-inline" not in policy
    assert "Content-Security-Policy" in api_client_for(owner).get(reverse("api:deck_list"))


def test_no_template_has_inline_script_style_or_event_handlers():
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER):
            offenders += [f"{template.relative_to(TEMPLATES)}: {match.group(0)!r}" for match in pattern.finditer(text)]
    assert offenders == []
