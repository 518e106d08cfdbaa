"""The active model of a scope, loaded lazily and cached per process, served to the study app.

The study app asks ``apps.study.student_model.active_model(deck=..., kind=...)``; this
module answers it (``ModelingConfig.ready`` installs ``active_model_for_deck`` as the
provider). Every call checks which versions serve the deck's scope and all learners'
with one indexed query (ids and kinds only); the loaded model is cached per process by version id, so a newly promoted or
rolled-back version is picked up on the next call without a restart. A deck's own
active version is preferred over the one trained on all learners. When an experiment
arm asks for a kind that is not the active one, the newest version of that kind in the
scope serves it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import partial
from typing import Sequence

from apps.cards.models import Deck
from apps.modeling.artifacts import artifact_load
from apps.modeling.datasets import Vocabulary, study_log_table
from apps.modeling.models import ModelVersion
from apps.modeling.scopes import Scope
from apps.study.student_model import ServedModel
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models.base import StudentModel

MAX_LOADED_VERSIONS = 4
# Keyed by (id, artifact checksum): an id alone can come back for another version
# (SQLite reuses the ids of rolled-back rows); the checksum names the artifact itself.
_loaded: OrderedDict[tuple[int, str], tuple[str, StudentModel, Vocabulary]] = OrderedDict()
_loaded_lock = threading.Lock()


def active_versions(scopes: Sequence[Scope]) -> dict[str, tuple[int, str, str]]:
    """Scope key -> (id, kind, checksum) of its active version, for every scope that has one, in one query."""
    rows = ModelVersion.objects.filter(scope_key__in=[scope.key for scope in scopes], is_active=True)
    return {
        scope_key: (version_id, kind, checksum)
        for version_id, kind, checksum, scope_key in rows.values_list("id", "kind", "checksum", "scope_key")
    }


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


def active_model_for_deck(*, deck: Deck, kind: str | None) -> ServedModel | None:
    """The model serving ``deck``: its own scope's version, else the one for all learners, else None."""
    scopes = (Scope(deck_id=deck.pk), Scope())
    active = active_versions(scopes)
    for scope in scopes:
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
