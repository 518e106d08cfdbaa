"""The deck list's New / Learning / Due counts: per deck and its subdecks, within today's limits, without a query per deck."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.cards.services import card_create, deck_path_ensure
from apps.study.mark_services import card_suspend
from apps.study.models import StudyPreset
from apps.study.presets import deck_preset_choose


def _counts(client) -> dict[str, tuple[int, int, int]]:
    page = client.get(reverse("cards:deck_list")).content.decode()
    rows = re.findall(
        r'data-deck="([^"]+)".*?<span class="count-new" title="New">(\d+)</span> <span class="count-learning" title="Learning">(\d+)</span> <span class="count-due" title="Due">(\d+)</span>',
        page, flags=re.S,
    )
    return {title: (int(new), int(learning), int(due)) for title, new, learning, due in rows}


def _languages(owner, cards_per_deck=3):
    spanish = deck_path_ensure(owner=owner, title="Languages::Spanish")
    french = deck_path_ensure(owner=owner, title="Languages::French")
    for deck in (spanish, french):
        for index in range(cards_per_deck):
            card_create(deck=deck, front=f"{deck.name} {index}", back="x", tags=[])
    return spanish.parent, spanish, french


def test_counts_add_up_over_the_tree_and_follow_what_the_learner_does(owner, web_client_for, answer):
    languages, spanish, french = _languages(owner)
    client = web_client_for(owner)
    assert _counts(client)["Languages"] == (6, 0, 0)
    assert _counts(client)["Languages::Spanish"] == (3, 0, 0)
    now = timezone.now()
    answer(owner, spanish, 1, now)  # Again: a learning card
    answer(owner, spanish, 4, now)  # Easy: due in days
    counts = _counts(client)
    assert counts["Languages::Spanish"] == (1, 1, 0)
    assert counts["Languages"] == (4, 1, 0)
    assert counts["Languages::French"] == (3, 0, 0)


def test_new_counts_are_capped_by_the_presets_limit_and_suspended_cards_are_left_out(owner, web_client_for):
    languages, spanish, french = _languages(owner)
    deck_preset_choose(deck=languages, preset=StudyPreset.objects.create(owner=owner, name="Two a day", new_per_day=2))
    card_suspend(learner=owner, cards=list(spanish.cards.all()))
    counts = _counts(web_client_for(owner))
    assert counts["Languages"] == (2, 0, 0)
    assert counts["Languages::Spanish"] == (0, 0, 0)


def test_due_reviews_are_counted(owner, web_client_for, answer):
    languages, spanish, french = _languages(owner)
    month_ago = timezone.now() - timedelta(days=30)
    answer(owner, french, 4, month_ago)
    assert _counts(web_client_for(owner))["Languages::French"] == (2, 0, 1)


def test_the_deck_list_takes_a_bounded_number_of_queries(owner, web_client_for):
    client = web_client_for(owner)
    _languages(owner)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cards:deck_list"))
    for index in range(8):
        deck = deck_path_ensure(owner=owner, title=f"More::Deck {index}")
        card_create(deck=deck, front="f", back="b", tags=[])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cards:deck_list"))
    assert len(many) == len(few)
