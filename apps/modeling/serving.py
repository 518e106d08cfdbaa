"""The active model of a scope, loaded lazily and cached per process, served to the study app.

The study app asks ``apps.study.student_model.active_model(deck=..., kind=...)``; this
module answers it (``ModelingConfig.ready`` installs ``active_model_for_deck`` as the
provider). Every call checks which active versions may serve (the learner's cohorts',
the deck's, all learners') with one query (ids and kinds only); the loaded model is
cached per process by version id, so a newly promoted or rolled-back version is picked
up on the next call without a restart. The order of preference is documented on
``active_model_for_deck``. When an experiment arm asks for a kind that is not the
active one, the newest version of that kind in the scope serves it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import partial
from typing import Sequence

from apps.accounts.models import Cohort
from apps.cards.models import Deck
from apps.modeling.artifacts import artifact_load
from apps.modeling.datasets import Vocabulary, study_log_table
from apps.modeling.models import ModelVersion
from apps.modeling.scopes import ALL, Scope
from apps.raw_sql import fetch_rows, quoted_table
from apps.study.student_model import ServedModel
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models.base import StudentModel

MAX_LOADED_VERSIONS = 4
# Keyed by (id, artifact checksum): an id alone can come back for another version
# (SQLite reuses the ids of rolled-back rows); the checksum names the artifact itself.
_loaded: OrderedDict[tuple[int, str], tuple[str, StudentModel, Vocabulary]] = OrderedDict()
_loaded_lock = threading.Lock()


def active_versions(*, deck: Deck, learner=None) -> dict[str, tuple[int, str, str]]:
    """Scope key -> (id, kind, checksum) of each active version that may serve ``learner`` on ``deck``, in one statement.

    Those are the versions of all learners, of the deck, and of every cohort that has
    ``learner`` as a member and ``deck`` assigned. Every answer asks this, so it is
    written as SQL: the ORM's OR across the cohort's two many-to-many joins cost more to
    build than to run.
    """
    versions, members, decks = quoted_table(ModelVersion), quoted_table(Cohort.members.through), quoted_table(Cohort.decks.through)
    params = [True, Scope.of_deck(deck).key, ALL]
    cohorts = ""
    if learner is not None:
        cohorts = (
            f" OR {versions}.cohort_id IN (SELECT {members}.cohort_id FROM {members} INNER JOIN {decks} ON {decks}.cohort_id = {members}.cohort_id "
            f"WHERE {members}.user_id = %s AND {decks}.deck_id = %s)"
        )
        params += [learner.pk, deck.pk]
    sql = f"SELECT {versions}.id, {versions}.kind, {versions}.checksum, {versions}.scope_key FROM {versions} WHERE {versions}.is_active = %s AND ({versions}.scope_key IN (%s, %s){cohorts})"
    return {scope_key: (version_id, kind, checksum) for version_id, kind, checksum, scope_key in fetch_rows(sql, params)}


def scopes_by_preference(deck: Deck, active: dict[str, tuple[int, str, str]]) -> list[Scope]:
    """The learner's cohorts with an active version (oldest cohort first), then the deck, then all learners."""
    cohorts = sorted(
        (scope for scope in map(Scope.from_key, active) if scope.cohort_id is not None), key=lambda scope: scope.cohort_id
    )
    return [*cohorts, Scope.of_deck(deck), Scope()]


def serving_version(scope: Scope, kind: str | None, active: tuple[int, str, str] | None) -> tuple[int, str] | None:
    """(id, checksum) of the version serving ``scope`` (for ``kind``: the active one if of that kind, else the newest)."""
    if active is not None and kind in (None, active[1]):
        return active[0], active[2]
    if kind is None:
        return None
    return ModelVersion.objects.filter(scope_key=scope.key, kind=kind).values_list("id", "checksum").first()


def loaded_version(version_id: int, checksum: str) -> tuple[str, StudentModel, Vocabulary]:
    """(label, fitted model, vocabulary) of a version, loaded from its artifact once per process (a few kept)."""
    key = (version_id, checksum)
    with _loaded_lock:
        if key not in _loaded:
            version = ModelVersion.objects.get(pk=version_id)
            while len(_loaded) >= MAX_LOADED_VERSIONS:
                _loaded.popitem(last=False)
            _loaded[key] = (version.label, artifact_load(version), Vocabulary.from_json(version.vocabulary))
        return _loaded[key]


def loaded_versions_forget() -> None:
    """Drop every loaded model, so the next call reads the artifacts again (after a restore replaced database and media)."""
    with _loaded_lock:
        _loaded.clear()


def active_model_for_deck(*, deck: Deck, kind: str | None, learner=None) -> ServedModel | None:
    """The model serving ``learner`` (None: anyone) on ``deck``, else None. The first scope that has one serves:

    1. a cohort of the learner that has ``deck`` assigned and an active version
       (when several do, the oldest cohort, the one with the smallest id);
    2. the deck itself;
    3. all learners.

    With ``kind`` (an experiment arm's model kind), a scope serves its active version if
    it is of that kind, else its newest version of that kind; a cohort is only
    considered when it has an active version.
    """
    active = active_versions(deck=deck, learner=learner)
    for scope in scopes_by_preference(deck, active):
        serving = serving_version(scope, kind, active.get(scope.key))
        if serving is not None:
            label, model, vocabulary = loaded_version(*serving)
            return ServedModel(version=label, model=model, table_builder=partial(_history_table, vocabulary))
    return None


def _history_table(vocabulary: Vocabulary, rows: Sequence[tuple], extra_card_ids: Sequence[int]) -> StudyLogTable:
    """A learner's rows in the version's dense ids, cards it never saw appended, with every card's embedding.

    The embeddings travel with the table into the model's learner state, one request's
    own, so cards added after training are scored without changing the shared model.
    """
    table, _ = study_log_table(list(rows), vocabulary=vocabulary, extra_cards=list(extra_card_ids))
    return table
