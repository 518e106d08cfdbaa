"""A cohort whose learners joined with an invite and studied its deck through the study service, days ago.

``cohort`` belongs to ``instructor``; ``owner`` and ``other_learner`` are members who
studied the instructor's public deck (tags ``demo`` and ``group-0..2``) for a few
days; ``outsider`` studied it too but is in no cohort. ``capitals_cohort`` is a cohort
of its own whose learners all fail one card and all know another.
"""

import uuid
from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from django.utils import timezone

from apps.accounts.services import cohort_create, cohort_invite_create, cohort_join
from apps.cards.cohort_decks import cohort_assign_deck
from apps.cards.services import card_create, deck_create
from apps.study.models import StudyLog
from apps.study.selectors import start_of_day
from apps.study.services import card_state_rebuild, study_log_record, study_session_next, study_session_start


def study_days(learner, deck, *, days: int, seed: int, now=None) -> int:
    """The learner studies ``deck`` once a day for ``days`` days up to yesterday, grading at random; returns the answers."""
    rng = np.random.default_rng(seed)
    now = now or timezone.now()
    answers = 0
    for day in range(days, 0, -1):
        moment = now - timedelta(days=day)
        session = study_session_start(learner=learner, deck=deck, now=moment)
        while (shown := study_session_next(session=session, now=moment)) is not None:
            moment += timedelta(seconds=10)
            grade = int(rng.choice([1, 3, 3, 4]))
            study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=4000, shown_uuid=shown.uuid, now=moment)
            answers += 1
    return answers


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")


@pytest.fixture
def cohort(instructor, public_deck, owner, other_learner):
    cohort = cohort_create(owner=instructor, name="Evening group")
    cohort_assign_deck(cohort=cohort, deck=public_deck)
    invite = cohort_invite_create(cohort=cohort, valid_days=7, max_uses=10)
    for learner in (owner, other_learner):
        cohort_join(learner=learner, code=invite.code)
    return cohort


@pytest.fixture
def studied_cohort(cohort, public_deck, owner, other_learner, outsider):
    for seed, learner in enumerate((owner, other_learner, outsider)):
        study_days(learner, public_deck, days=4, seed=seed)
    return cohort


REVIEW_DAYS_AGO = (40, 39, 36, 30, 20, 5)
"""Every learner reviews every card of the capitals deck on these days (before today), expanding intervals as a scheduler would."""


def answer_on(learner, card, moment, grade: int) -> StudyLog:
    """One answer recorded as history (no showing), as imported reviews are; the card state is rebuilt afterwards."""
    return StudyLog.objects.create(
        log_uuid=uuid.uuid4(), learner=learner, card=card, deck=card.deck, shown_at=moment - timedelta(seconds=5),
        answered_at=moment, response_ms=5000, outcome=grade > 1, grade=grade, policy="fsrs",
    )


@pytest.fixture
def capitals_cohort(instructor, make_user):
    """A cohort of six learners who all fail "Capital of Italy?" every time and all answer "Capital of France?" right.

    Ten more capitals are answered at random (seeded), so a model has something to learn
    from; each session takes the cards in a shuffled order. Each card is untagged except
    the two, which carry tags of their own.
    """
    deck = deck_create(owner=instructor, title="Capitals", visibility="public")
    italy = card_create(deck=deck, front="Capital of Italy?", back="Rome", tags=["italy"])
    france = card_create(deck=deck, front="Capital of France?", back="Paris", tags=["france"])
    others = [card_create(deck=deck, front=f"Capital of country {index}?", back=f"City {index}", tags=[]) for index in range(10)]
    cohort = cohort_create(owner=instructor, name="Capitals group")
    cohort_assign_deck(cohort=cohort, deck=deck)
    invite = cohort_invite_create(cohort=cohort, valid_days=7, max_uses=10)
    rng = np.random.default_rng(5)
    today = start_of_day(timezone.now())
    learners = []
    for index in range(6):
        learner = make_user(f"capitals-learner-{index}")
        cohort_join(learner=learner, code=invite.code)
        for days_ago in REVIEW_DAYS_AGO:
            moment = today - timedelta(days=days_ago, hours=-10, minutes=-5 * index)
            for position, card in enumerate(rng.permutation([italy, france, *others])):
                grade = 1 if card == italy else 3 if card == france else int(rng.choice([1, 3, 3, 4]))
                answer_on(learner, card, moment + timedelta(seconds=20 * position), grade)
        for card in [italy, france, *others]:
            card_state_rebuild(learner=learner, card=card)
        learners.append(learner)
    return SimpleNamespace(cohort=cohort, deck=deck, italy=italy, france=france, learners=learners)
