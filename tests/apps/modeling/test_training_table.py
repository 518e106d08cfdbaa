"""The training table read as streamed columns, cached per scope and extended with new logs.

Runs on SQLite by default and on PostgreSQL with DATABASE_URL (server-side cursor).
"""

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.modeling import table_cache
from apps.modeling.datasets import Vocabulary, scope_logs, study_log_table, study_log_table_of_columns
from apps.modeling.log_columns import log_columns_read
from apps.modeling.scopes import Scope
from apps.privacy.erasure import account_erase
from apps.privacy.models import AccountDeletion
from apps.study.models import StudyLog, StudyLogUndo
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS

pytestmark = pytest.mark.django_db

TABLE_FIELDS = ("learner", "item", "time", "outcome", "grade", "duration_ms", "concept")


@pytest.fixture(autouse=True)
def cache_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _row_table(scope, vocabulary=None):
    """The table as training built it before columns: every row a tuple, oldest first."""
    rows = list(scope_logs(scope).values_list(*STUDY_ROW_COLUMNS))
    return study_log_table(rows, vocabulary=vocabulary or Vocabulary())


def _cached_table(scope, vocabulary=None):
    cached = table_cache.scope_columns(scope.key, scope_logs(scope))
    table, used = study_log_table_of_columns(cached.columns, vocabulary=vocabulary or Vocabulary())
    return cached, table, used


def _assert_same(first, second):
    for name in TABLE_FIELDS:
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name), err_msg=name)
    assert first.learner_keys == second.learner_keys and first.item_keys == second.item_keys
    np.testing.assert_array_equal(first.item_embeddings, second.item_embeddings)
    np.testing.assert_array_equal(first.item_concepts, second.item_concepts)


def _add_logs(deck, learner, count, *, after):
    cards = list(deck.cards.order_by("id")[:count])
    StudyLog.objects.bulk_create([
        StudyLog(log_uuid=uuid.uuid4(), learner=learner, card=card, deck=deck, shown_at=after + timedelta(minutes=index),
                 answered_at=after + timedelta(minutes=index, seconds=3), response_ms=3000, outcome=index % 3 != 0,
                 grade=3 if index % 3 else 1, policy="fsrs")
        for index, card in enumerate(cards)
    ])


def test_streamed_columns_in_small_chunks_give_the_table_of_the_rows(seeded_deck):
    scope = Scope.of_deck(seeded_deck)
    columns = log_columns_read(scope_logs(scope), chunk_size=7)
    assert len(columns) == StudyLog.objects.filter(deck=seeded_deck).count() > 7 * 10
    by_rows, vocabulary = _row_table(scope)
    by_columns, same_vocabulary = study_log_table_of_columns(columns, vocabulary=Vocabulary())
    _assert_same(by_rows, by_columns)
    assert same_vocabulary == vocabulary


def test_the_table_follows_an_active_versions_vocabulary(seeded_deck):
    scope = Scope.of_deck(seeded_deck)
    card_ids = sorted(seeded_deck.cards.values_list("id", flat=True), reverse=True)
    known = Vocabulary(cards=card_ids[:5], concepts=["topic-3"])
    by_rows, _ = _row_table(scope, known)
    _, by_columns, used = _cached_table(scope, known)
    _assert_same(by_rows, by_columns)
    assert used.cards[:5] == card_ids[:5] and used.concepts[0] == "topic-3"


def test_a_second_run_reads_only_the_new_logs_and_equals_a_full_rebuild(seeded_deck, other_learner):
    scope = Scope.of_deck(seeded_deck)
    first, _, _ = _cached_table(scope)
    assert first.rebuilt and first.read == StudyLog.objects.filter(deck=seeded_deck).count()
    _add_logs(seeded_deck, other_learner, 12, after=timezone.now())
    extended, table, _ = _cached_table(scope)
    assert not extended.rebuilt and extended.read == 12
    table_cache.training_tables_forget()
    rebuilt, full_table, _ = _cached_table(scope)
    assert rebuilt.rebuilt
    _assert_same(table, full_table)
    _assert_same(table, _row_table(scope)[0])


def test_an_undone_answer_makes_the_next_run_read_everything_again(seeded_deck):
    scope = Scope.of_deck(seeded_deck)
    _cached_table(scope)
    log = StudyLog.objects.filter(deck=seeded_deck).order_by("id")[3]
    StudyLogUndo.objects.create(log=log, undone_at=log.answered_at)
    again, table, _ = _cached_table(scope)
    assert again.rebuilt and len(table) == StudyLog.objects.live().filter(deck=seeded_deck).count()
    _assert_same(table, _row_table(scope)[0])


def test_a_learner_leaving_a_cohort_is_not_kept_by_the_cache(seeded_deck, instructor):
    from apps.accounts.services import cohort_add_learner, cohort_create, cohort_remove_learner

    cohort = cohort_create(owner=instructor, name="Scale")
    learners = sorted({log.learner for log in StudyLog.objects.filter(deck=seeded_deck)}, key=lambda user: user.pk)
    for learner in learners:
        cohort_add_learner(cohort=cohort, learner=learner)
    scope = Scope.of_cohort(cohort)
    before, _, _ = _cached_table(scope)
    cohort_remove_learner(cohort=cohort, learner=learners[0])
    after, table, _ = _cached_table(scope)
    assert after.rebuilt and len(after.columns) == len(before.columns) - StudyLog.objects.filter(learner=learners[0]).count()
    assert str(learners[0].pk) not in table.learner_keys


def test_erasing_an_account_deletes_every_cached_table(seeded_deck, django_capture_on_commit_callbacks):
    scope = Scope.of_deck(seeded_deck)
    _cached_table(scope)
    _cached_table(Scope())
    assert len(list(table_cache.cache_directory().glob("*.npz"))) == 2
    learner = StudyLog.objects.filter(deck=seeded_deck).first().learner
    deletion = AccountDeletion.objects.create(user=learner, requested_at=timezone.now() - timedelta(days=31), erase_after=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert account_erase(deletion_id=deletion.pk) is not None
    assert not list(table_cache.cache_directory().glob("*.npz"))
    again, table, _ = _cached_table(scope)
    assert again.rebuilt and str(learner.pk) not in table.learner_keys


def test_a_rebuilt_database_with_the_same_ids_is_not_mistaken_for_the_cached_one(seeded_deck):
    scope = Scope.of_deck(seeded_deck)
    _cached_table(scope)
    newest = StudyLog.objects.filter(deck=seeded_deck).order_by("-id").first()
    StudyLog.objects.filter(pk=newest.pk).erase()
    newest.log_uuid, newest.outcome, newest.grade = uuid.uuid4(), not newest.outcome, 1 if newest.outcome else 3
    newest._state.adding = True
    newest.save()  # the same id, other content: what a database rebuilt from scratch gives
    again, table, _ = _cached_table(scope)
    assert again.rebuilt
    _assert_same(table, _row_table(scope)[0])
