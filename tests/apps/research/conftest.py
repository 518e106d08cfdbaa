"""Personas and study logs for the research tests: consenting and non-consenting learners, a researcher."""

import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from apps.accounts import roles
from apps.research.models import ResearchConsentPeriod
from apps.study.models import StudyLog

START = datetime(2026, 3, 1, 9, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def researcher(make_user):
    return make_user("researcher", roles.RESEARCHER)


@pytest.fixture
def staff_user(make_user):
    """Staff without the researcher role: research pages do not exist for them."""
    user = make_user("staff-member")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def answer():
    """answer(learner, card, at, grade=3): one study log answered at ``at``, as the study page records it."""

    def record(learner, card, at: datetime, grade: int = 3) -> StudyLog:
        return StudyLog.objects.create(
            log_uuid=uuid.uuid4(), learner=learner, card=card, deck=card.deck, shown_at=at - timedelta(seconds=4),
            answered_at=at, response_ms=1500 + grade, outcome=grade > 1, grade=grade, policy="karl",
            model_version="karl:7", predicted_recall=0.75,
        )

    return record


@pytest.fixture
def consent():
    """consent(learner, start, end=None): one consent period."""

    def give(learner, start: datetime, end: datetime | None = None) -> ResearchConsentPeriod:
        return ResearchConsentPeriod.objects.create(learner=learner, started_at=start, ended_at=end)

    return give
