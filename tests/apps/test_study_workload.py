"""The workload tools in the app: a review lands on a quieter day of its window, off its siblings' day, and the button said so."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import learner_settings_get_or_create
from apps.cards.note_services import note_create, note_type_builtin
from apps.cards.services import card_create, deck_create
from apps.study.answer_sql import due_days_around
from apps.study.models import CardState
from apps.study.schedule import grade_schedule
from apps.study.services import shown_card_choose_next, study_log_record, study_log_undo_last, study_session_next, study_session_start
from apps.study.workload import day_number
from knowledge_tracing.policies.load_balance import fuzz_window_days

pytestmark = pytest.mark.django_db
GOOD = 3
EASY = 4


def _review_due_now(learner, card, now):
    """A card the learner knows well (stability 30 days), due now: Good gives it months."""
    return CardState.objects.create(
        learner=learner, card=card, deck_id=card.deck_id, state=CardState.State.REVIEW, step=None, stability=30.0,
        difficulty=5.0, due_at=now - timedelta(minutes=1), last_review_at=now - timedelta(days=30),
        first_studied_at=now - timedelta(days=60), reps=3,
    )


def _other_card_due(learner, card, due_at):
    CardState.objects.create(
        learner=learner, card=card, deck_id=card.deck_id, state=CardState.State.REVIEW, step=None, stability=30.0,
        difficulty=5.0, due_at=due_at, last_review_at=due_at - timedelta(days=30), first_studied_at=due_at - timedelta(days=60), reps=3,
    )


def _set(learner, **values):
    learner_settings = learner_settings_get_or_create(user=learner)
    for name, value in values.items():
        setattr(learner_settings, name, value)
    learner_settings.save()
    return learner_settings


def _good_due(learner, deck, now):
    shown = shown_card_choose_next(learner=learner, deck=deck, now=now)
    state = CardState.objects.get(learner=learner, card=shown.card)
    button = grade_schedule(shown=shown, state=state, now=now, learner_settings=learner_settings_get_or_create(user=learner)).due_at[GOOD]
    study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=GOOD, response_ms=900, shown_uuid=shown.uuid, now=now)
    stored = CardState.objects.get(learner=learner, card=shown.card).due_at
    assert stored == button  # the button's interval is the one stored
    return stored


def test_a_review_moves_off_a_busy_day_within_its_window(owner, private_deck):
    now = timezone.now()
    cards = list(private_deck.cards.order_by("id"))
    _set(owner, balance_workload=False)
    _review_due_now(owner, cards[0], now)
    own_due = _good_due(owner, private_deck, now)  # FSRS's own day, no tools
    assert own_due - now > timedelta(days=20)

    _set(owner, balance_workload=True)
    CardState.objects.filter(learner=owner, card=cards[0]).delete()
    _review_due_now(owner, cards[0], now)
    for card in cards[1:]:  # the own day is crowded
        _other_card_due(owner, card, own_due)
    balanced = _good_due(owner, private_deck, now)
    shortest, longest = fuzz_window_days((own_due - now).total_seconds() / 86400)
    assert balanced != own_due and shortest <= day_number(balanced) - day_number(now) <= longest  # a quieter day of the window
    assert balanced.time() == own_due.time()


def test_a_sibling_keeps_a_card_off_its_day(owner, private_deck):
    now = timezone.now()
    note = note_create(owner=owner, deck=private_deck, note_type=note_type_builtin(name="Basic (and reversed card)"), field_values=["comer", "to eat"], tags=[])
    forward, reverse = note.cards.order_by("ord")
    _set(owner, balance_workload=False)
    _review_due_now(owner, forward, now)
    own_due = _good_due(owner, private_deck, now)
    _set(owner, balance_workload=True)
    CardState.objects.filter(learner=owner, card=forward).delete()
    _review_due_now(owner, forward, now)
    _other_card_due(owner, reverse, own_due)
    assert day_number(_good_due(owner, private_deck, now)) != day_number(own_due)


def test_easy_days_are_a_setting_with_a_clear_error(owner, web_client_for):
    client = web_client_for(owner)
    fields = {"cards_per_session": 20, "balance_workload": "on"}
    assert client.post(reverse("accounts:settings"), fields | {"easy_days": ["5", "6"]}).status_code == 302
    assert learner_settings_get_or_create(user=owner).easy_days == "56"
    page = client.post(reverse("accounts:settings"), fields | {"easy_days": ["7"]})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert learner_settings_get_or_create(user=owner).easy_days == "56"
    checked = re.findall(r'<input type="checkbox" name="easy_days" value="(\d)"[^>]*checked', client.get(reverse("accounts:settings")).content.decode())
    assert checked == ["5", "6"]


def test_undo_restores_the_due_date_the_scheduling_gave_not_fsrs_alone(owner, private_deck):
    """The first answer's due date was moved by the load balancer; undoing the second answer gives that date back."""
    now = timezone.now()
    session = study_session_start(learner=owner, deck=private_deck, now=now)
    shown = study_session_next(session=session, now=now)
    own_due = grade_schedule(shown=shown, state=None, now=now, learner_settings=_set(owner, balance_workload=False)).due_at[EASY]
    busy = deck_create(owner=owner, title="Busy")
    for index in range(12):  # the learner's other deck crowds FSRS's own day
        _other_card_due(owner, card_create(deck=busy, front=f"busy {index}", back="b", tags=[]), own_due)
    _set(owner, balance_workload=True)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=EASY, response_ms=900, shown_uuid=shown.uuid, now=now)
    after_first = CardState.objects.filter(learner=owner, card=shown.card).values().get()
    assert after_first["due_at"] != own_due  # balanced onto a quieter day

    later = after_first["due_at"] + timedelta(minutes=1)
    again = study_session_next(session=session, now=later)
    assert again.card == shown.card
    study_log_record(learner=owner, card=again.card, log_uuid=uuid.uuid4(), grade=1, response_ms=900, shown_uuid=again.uuid, now=later)
    study_log_undo_last(session=session, now=later + timedelta(seconds=5))
    assert CardState.objects.filter(learner=owner, card=shown.card).values().get() == after_first


def test_the_window_counts_days_in_the_learners_time_zone(owner, private_deck):
    """At 12:00 UTC it is already tomorrow at UTC+14: the reviews per day and the siblings' days are the learner's dates."""
    note = note_create(owner=owner, deck=private_deck, note_type=note_type_builtin(name="Basic (and reversed card)"), field_values=["ir", "to go"], tags=[])
    forward, reverse = note.cards.order_by("ord")
    others = list(private_deck.cards.exclude(note=note).order_by("id"))[:2]
    noon_utc = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=10)
    for card in [*others, reverse]:
        _other_card_due(owner, card, noon_utc)
    with timezone.override("Pacific/Kiritimati"):
        counts, sibling_days = due_days_around(
            learner_id=owner.pk, card_id=forward.pk, start=noon_utc - timedelta(days=3), end=noon_utc + timedelta(days=3)
        )
        learner_date = timezone.localdate(noon_utc)
    assert learner_date == noon_utc.date() + timedelta(days=1)
    assert counts == {learner_date: 3} and sibling_days == {learner_date}
