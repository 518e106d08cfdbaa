"""Deck options presets: the page and its form, a deck's choice, limits per deck tree, imported history, steps."""

import html
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cards.models import Card
from apps.cards.services import card_create, deck_create, deck_path_ensure
from apps.study.models import IMPORTED_POLICY, CardState, DeckPreset, StudyLog, StudyPreset
from apps.study.presets import deck_preset, deck_preset_choose, preset_default_for, steps_parse
from apps.study.selectors import start_of_day

VALID = {"name": "Hard words", "new_per_day": "5", "reviews_per_day": "50", "learning_steps": "30s 5m", "relearning_steps": "5m", "target_retention": "0.92"}


def _noon():
    return start_of_day(timezone.now()) + timedelta(hours=12)


def test_the_presets_page_shows_the_default_preset_and_adds_one(owner, private_deck, web_client_for):
    client = web_client_for(owner)
    page = html.unescape(client.get(reverse("study:presets")).content.decode())
    assert "Default" in page and "1m 10m" in page and private_deck.title in page
    response = client.post(reverse("study:presets"), VALID)
    assert response.status_code == 302
    preset = StudyPreset.objects.get(owner=owner, name="Hard words")
    assert (preset.new_per_day, preset.learning_steps, preset.target_retention) == (5, "30s 5m", 0.92)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("learning_steps", "1x 10m", "“1x” is not a step: write a whole number and a unit, such as 30s, 10m, 1h or 1d"),
    ("learning_steps", "0m", "A step lasts from 1 second to 30 days, not 0m"),
    ("relearning_steps", "1m " * 11, "At most 10 steps"),
    ("learning_steps", "1m" * 60, "Ensure this value has at most 100 characters"),
    ("target_retention", "0.5", "Ensure this value is greater than or equal to 0.7"),
    ("new_per_day", "-1", "Ensure this value is greater than or equal to 0"),
    ("name", "Default", "You already have a preset called “Default”."),
    ("name", "x" * 101, "Ensure this value has at most 100 characters"),
])
def test_a_bad_preset_is_refused_with_a_clear_message_and_nothing_changes(owner, web_client_for, field, value, message):
    client = web_client_for(owner)
    preset_default_for(owner)
    response = client.post(reverse("study:presets"), {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(StudyPreset.objects.values_list("name", flat=True)) == ["Default"]


def test_editing_keeps_the_default_presets_name_and_refuses_bad_values(owner, web_client_for):
    client = web_client_for(owner)
    default = preset_default_for(owner)
    url = reverse("study:preset_edit", kwargs={"preset_uuid": default.uuid})
    assert client.post(url, {**VALID, "new_per_day": "abc"}).status_code == 400
    assert StudyPreset.objects.get(pk=default.pk).new_per_day == 20
    assert client.post(url, {**VALID, "name": "Renamed"}).status_code == 302
    default.refresh_from_db()
    assert (default.name, default.new_per_day) == ("Default", 5)


def test_strangers_get_404_for_presets_and_decks_and_nothing_changes(owner, other_learner, private_deck, web_client_for):
    theirs = StudyPreset.objects.create(owner=other_learner, name="Theirs")
    mine = StudyPreset.objects.create(owner=owner, name="Mine")
    owner_client, stranger = web_client_for(owner), web_client_for(other_learner)
    assert stranger.get(reverse("study:preset_edit", kwargs={"preset_uuid": mine.uuid})).status_code == 404
    assert stranger.post(reverse("study:preset_edit", kwargs={"preset_uuid": mine.uuid}), VALID).status_code == 404
    deck_url = reverse("study:deck_preset", kwargs={"deck_uuid": private_deck.uuid})
    assert stranger.post(deck_url, {"preset": str(theirs.uuid)}).status_code == 404
    assert owner_client.post(deck_url, {"preset": str(theirs.uuid)}).status_code == 404  # someone else's preset
    assert not DeckPreset.objects.exists()
    assert StudyPreset.objects.get(pk=mine.pk).name == "Mine"


def test_a_deck_uses_the_preset_its_owner_chose(owner, private_deck, web_client_for, show_next, answer):
    strict = StudyPreset.objects.create(owner=owner, name="One a day", new_per_day=1)
    client = web_client_for(owner)
    response = client.post(reverse("study:deck_preset", kwargs={"deck_uuid": private_deck.uuid}), {"preset": str(strict.uuid)})
    assert response.status_code == 302
    assert deck_preset(private_deck) == strict
    other = deck_create(owner=owner, title="Other deck")
    card_create(deck=other, front="f", back="b", tags=[])
    assert deck_preset(other) == preset_default_for(owner)
    now = _noon()
    answer(owner, private_deck, 4, now)
    assert show_next(owner, private_deck, now) is None  # one new card a day
    assert show_next(owner, other, now) is not None  # the other deck's limit is its own


def test_limits_count_the_deck_and_the_decks_inside_it(owner, show_next, answer):
    child = deck_path_ensure(owner=owner, title="Languages::Spanish")
    parent = child.parent
    for index in range(3):
        card_create(deck=child, front=f"es {index}", back="x", tags=[])
    card_create(deck=parent, front="general", back="x", tags=[])
    deck_preset_choose(deck=parent, preset=StudyPreset.objects.create(owner=owner, name="Two a day", new_per_day=2))
    now = _noon()
    answer(owner, child, 4, now)
    answer(owner, child, 4, now)
    assert show_next(owner, parent, now) is None  # the two new cards of the subdeck count for the parent
    assert show_next(owner, child, now) is not None  # the subdeck alone is within the Default preset's 20


def test_imported_history_does_not_count_as_todays_study(owner, private_deck, set_preset, show_next):
    set_preset(private_deck, new_per_day=1, reviews_per_day=1)
    now = _noon()
    imported = list(Card.objects.filter(deck=private_deck).order_by("-id")[:2])
    for card in imported:
        StudyLog.objects.create(
            log_uuid=uuid.uuid4(), learner=owner, card=card, deck=private_deck, shown_at=now - timedelta(hours=1),
            answered_at=now - timedelta(hours=1), response_ms=900, outcome=True, grade=3, policy=IMPORTED_POLICY,
        )
        CardState.objects.create(
            learner=owner, card=card, deck=private_deck, state=CardState.State.REVIEW, stability=1.0, difficulty=5.0,
            due_at=now - timedelta(minutes=5), last_review_at=now - timedelta(hours=1), first_studied_at=now - timedelta(hours=1),
        )
    shown = show_next(owner, private_deck, now)
    assert shown is not None and shown in imported  # a review is still allowed today


def test_the_presets_learning_steps_schedule_a_card_graded_again(owner, private_deck, set_preset, answer, show_next):
    set_preset(private_deck, learning_steps="30s 2m")
    now = _noon()
    failed = answer(owner, private_deck, 1, now)
    assert CardState.objects.get(card=failed).due_at == now + timedelta(seconds=30)
    assert answer(owner, private_deck, 3, now + timedelta(seconds=10)) != failed
    assert show_next(owner, private_deck, now + timedelta(seconds=31)) == failed


def test_steps_are_read_as_anki_writes_them():
    assert steps_parse("1m 10m") == (timedelta(minutes=1), timedelta(minutes=10))
    assert steps_parse(" 30s  1H 2d ") == (timedelta(seconds=30), timedelta(hours=1), timedelta(days=2))
    assert steps_parse("") == ()
