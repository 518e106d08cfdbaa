"""A real Celery worker process runs a study task against the configured broker and database.

With ``REDIS_URL`` set (CI) the broker is Redis; without it, the filesystem broker
under ``var/celery``. The worker uses the test database, so the test's rows are
committed (transactional test) and the task's effect is visible here.
"""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.study.models import StudySession
from apps.study.tasks import close_idle_sessions

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _test_database_url() -> str:
    """The URL of the database this test runs against, for the worker process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    """Start ``celery -A config worker`` on a queue of its own; stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex}"
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "PYTHONPATH": str(REPO_ROOT)}
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--queues", queue,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=warning",
    ]
    worker = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield queue
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        if worker.returncode not in (0, -15):
            print(output.decode(errors="replace"))


def test_the_worker_closes_idle_sessions(owner, private_deck, worker_queue):
    now = timezone.now()
    idle = StudySession.objects.create(learner=owner, deck=private_deck, planned_cards=5, started_at=now - timedelta(hours=3), last_activity_at=now - timedelta(hours=3))
    active = StudySession.objects.create(learner=owner, deck=private_deck, planned_cards=5, started_at=now, last_activity_at=now)

    result = close_idle_sessions.apply_async(kwargs={"idle_minutes": 60}, queue=worker_queue)

    assert result.get(timeout=90) == 1
    idle.refresh_from_db()
    active.refresh_from_db()
    assert idle.ended_at is not None
    assert active.ended_at is None
