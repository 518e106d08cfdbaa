"""A real Celery worker process runs a study task against the configured broker and database.

With ``REDIS_URL`` set (CI) the broker is Redis; without it, the filesystem broker
under ``var/celery``. The worker uses the test database, so the test's rows are
committed (transactional test) and the task's effect is visible here.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.study.models import StudySession
from apps.study.tasks import close_idle_sessions

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_closes_idle_sessions(owner, private_deck, start_worker):
    now = timezone.now()
    idle = StudySession.objects.create(learner=owner, deck=private_deck, planned_cards=5, started_at=now - timedelta(hours=3), last_activity_at=now - timedelta(hours=3))
    active = StudySession.objects.create(learner=owner, deck=private_deck, planned_cards=5, started_at=now, last_activity_at=now)

    result = close_idle_sessions.apply_async(kwargs={"idle_minutes": 60}, queue=start_worker().queue)

    assert result.get(timeout=90) == 1
    idle.refresh_from_db()
    active.refresh_from_db()
    assert idle.ended_at is not None
    assert active.ended_at is None
