"""Card text: limited in size and nesting with a clear message, rendered safely, never a 500."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.cards.models import Card, Deck
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
from apps.cards.rendering import CARD_TEXT_MAX_CHARS, CARD_TEXT_MAX_NESTING, render_card_text, sanitise_html
from apps.cards.services import deck_create
from apps.study.models import StudySession

NESTED_LIST = "".join("  " * level + "- item\n" for level in range(500))
COMPACT_NESTED_LIST = "- " * 500 + "item"


def _add_card(client, deck, front: str, back: str = "back"):
    return client.post(reverse("cards:card_create", kwargs={"deck_uuid": deck.uuid}), {"front": front, "back": back, "tags": ""})


def test_card_text_over_the_size_limit_is_refused_with_the_limit_named(owner, private_deck, web_client_for):
    response = _add_card(web_client_for(owner), private_deck, "x" * (CARD_TEXT_MAX_CHARS + 1))
    assert response.status_code == 200
    assert f"at most {CARD_TEXT_MAX_CHARS:,} characters long (this is {CARD_TEXT_MAX_CHARS + 1:,})" in response.content.decode()
    assert private_deck.cards.count() == 12


def test_card_text_at_the_size_limit_is_accepted(owner, private_deck, web_client_for):
    _add_card(web_client_for(owner), private_deck, "x" * CARD_TEXT_MAX_CHARS)
    assert private_deck.cards.count() == 13


@pytest.mark.parametrize("text", [COMPACT_NESTED_LIST, "> " * 100 + "quote", "<div>" * 100 + "deep"], ids=["list", "quote", "html"])
def test_text_nested_too_deep_is_refused_on_either_side(owner, private_deck, web_client_for, text):
    client = web_client_for(owner)
    for front, back in ((text, "back"), ("front", text)):
        response = _add_card(client, private_deck, front, back)
        assert f"may nest at most {CARD_TEXT_MAX_NESTING} levels deep" in response.content.decode()
    assert private_deck.cards.count() == 12


def test_a_csv_import_refuses_oversized_card_text_by_line(db, tmp_path):
    csv_file = tmp_path / "cards.csv"
    csv_file.write_text(f"front,back,tags\nok,fine,demo\n{'[' * 20000},back,demo\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3: front: Card text may be at most"):
        call_command("load_demo", "--csv", str(csv_file))
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    "text",
    [NESTED_LIST, COMPACT_NESTED_LIST, "[" * 20000, "[a](" * 4000, "<http://a" * 5000],
    ids=["nested-list", "compact-nested-list", "brackets", "link-openers", "autolink-openers"],
)
def test_cards_saved_before_the_limits_still_show_on_deck_and_study_pages(instructor, other_learner, web_client_for, text):
    deck = deck_create(owner=instructor, title="Hostile", visibility=Deck.Visibility.PUBLIC)
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=text, back="the back", tags=[])])  # as saved before the limits
    client = web_client_for(other_learner)
    deck_page = client.get(reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid}))
    assert deck_page.status_code == 200
    assert b"the back" in deck_page.content
    client.post(reverse("study:session_start", kwargs={"deck_uuid": deck.uuid}))
    session = StudySession.objects.get(learner=other_learner)
    study_page = client.get(reverse("study:session", kwargs={"session_uuid": session.uuid}), {"reveal": "1"})
    assert study_page.status_code == 200
    assert b"the back" in study_page.content


def test_text_over_the_limits_is_shown_as_plain_text():
    assert render_card_text(COMPACT_NESTED_LIST) == f"<p>{COMPACT_NESTED_LIST}</p>"
    assert render_card_text("**a** " * 2000) == "<p>" + "**a** " * 2000 + "</p>"


def test_markdown_tables_strikethrough_and_safe_links_render():
    html = render_card_text("| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n[site](https://example.org) [bad](javascript:alert(1))")
    assert "<th>a</th>" in html and "<td><del>2</del></td>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert "javascript:" not in html


def test_images_are_kept_only_from_mnemos_own_media():
    html = render_card_text("![own](/media/cards/map.png) ![tracker](https://tracker.example/pixel.gif) ![rel](//tracker.example/p.gif)")
    assert '<img src="/media/cards/map.png" alt="own">' in html
    assert "tracker.example" not in html


def test_the_sanitiser_strips_scripts_handlers_and_external_images_from_html():
    html = sanitise_html('<p onclick="x()">hi<script>alert(1)</script><img src="http://t.example/p.gif" alt="p"><iframe src="https://x"></iframe></p>')
    assert html == '<p>hi<img alt="p"></p>'
