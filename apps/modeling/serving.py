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
_loaded: OrderedDict[int, tuple[str, StudentModel, Vocabulary]] = OrderedDict()
_loaded_lock = threading.Lock()


def active_versions(scopes: Sequence[Scope]) -> dict[str, tuple[int, str]]:
    """Scope key -> (id, kind) of its active version, for every scope that has one, in one query."""
    rows = ModelVersion.objects.filter(scope_key__in=[scope.key for scope in scopes], is_active=True)
    return {scope_key: (version_id, kind) for version_id, kind, scope_key in rows.values_list("id", "kind", "scope_key")}


def serving_version_id(scope: Scope, kind: str | None, active: tuple[int, str] | None) -> int | None:
    """The id of the version serving ``scope`` (for ``kind``: the ``active`` one if of that kind, else the newest)."""
    if active is not None and kind in (None, active[1]):
        return active[0]
    if kind is None:
        return None
    return ModelVersion.objects.filter(scope_key=scope.key, kind=kind).values_list("id", flat=True).first()


def loaded_version(version_id: int) -> tuple[str, StudentModel, Vocabulary]:
    """(label, fitted model, vocabulary) of a version, loaded from its artifact once per process (a few kept)."""
    with _loaded_lock:
        if version_id not in _loaded:
            version = ModelVersion.objects.get(pk=version_id)
            while len(_loaded) >= MAX_LOADED_VERSIONS:
                _loaded.popitem(last=False)
            _loaded[version_id] = (version.label, artifact_load(version), Vocabulary.from_json(version.vocabulary))
        return _loaded[version_id]


def active_model_for_deck(*, deck: Deck, kind: str | None) -> ServedModel | None:
    """The model serving ``deck``: its own scope's version, else the one for all learners, else None."""
    scopes = (Scope(deck_id=deck.pk), Scope())
    active = active_versions(scopes)
    for scope in scopes:
        version_id = serving_version_id(scope, kind, active.get(scope.key))
        if version_id is not None:
            label, model, vocabulary = loaded_version(version_id)
            return ServedModel(version=label, model=model, table_builder=partial(_history_table, model, vocabulary))
    return None


def _history_table(
    model: StudentModel, vocabulary: Vocabulary, rows: Sequence[tuple], extra_card_ids: Sequence[int]
) -> StudyLogTable:
    """A learner's rows in the version's dense ids, cards it never saw appended, with every card's embedding."""
    table, _ = study_log_table(list(rows), vocabulary=vocabulary, extra_cards=list(extra_card_ids))
    if getattr(model, "item_embeddings", None) is not None:
        model.item_embeddings = table.item_embeddings  # KARL scores candidates with its own copy: include new cards
    return table
