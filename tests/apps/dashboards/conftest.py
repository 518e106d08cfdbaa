"""A cohort whose learners joined with an invite and studied its deck through the study service, days ago.

``cohort`` belongs to ``instructor``; ``owner`` and ``other_learner`` are members who
studied the instructor's public deck (tags ``demo`` and ``group-0..2``) for a few
days; ``outsider`` studied it too but is in no cohort.
"""

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.accounts.services import cohort_assign_deck, cohort_create, cohort_invite_create, cohort_join
from apps.study.services import study_log_record, study_session_next, study_session_start


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
