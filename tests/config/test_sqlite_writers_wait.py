"""On SQLite, a transaction that reads and then writes waits for another process's write instead of failing.

SQLite's default deferred transactions take the write lock only at their first write; if
another connection holds it then, SQLite refuses at once ("database is locked") without
waiting for the busy timeout. `make run` has a web server, a worker, beat and the
README's commands writing to one file, so transactions begin IMMEDIATE (the write lock is
taken, waiting up to the timeout, when the transaction opens).
"""

import sqlite3
import threading

import pytest
from django.db import connection, transaction

from apps.study.models import StudyLog

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking")


@pytest.mark.django_db(transaction=True)
def test_a_read_then_write_transaction_waits_for_another_writer(make_user):
    learner = make_user("waiting-writer")
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE auth_user SET first_name = 'held' WHERE id = ?", (learner.pk,))
    threading.Timer(1.0, lambda: other.execute("COMMIT")).start()
    with transaction.atomic():
        assert not StudyLog.objects.filter(learner=learner).exists()
        type(learner).objects.filter(pk=learner.pk).update(last_name="written")
    other.close()
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name) == ("held", "written")
