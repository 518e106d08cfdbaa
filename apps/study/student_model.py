"""The active student model as the study service sees it: a fitted model, its version label, its table builder.

Training, promotion and loading belong to the modeling app; the study service only
asks "which model serves this deck now?". The modeling app answers by registering a
provider once at start-up (``serve_active_models_with`` from its AppConfig.ready), so
the study app never imports it; without a provider no model is active and the
policies that need predictions fall back to FSRS due dates.
"""

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from apps.cards.models import Deck
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models import StudentModel

TableBuilder = Callable[[Sequence[tuple], Sequence[int]], StudyLogTable]
"""(a learner's rows, ``knowledge_tracing.data.columns.STUDY_ROW_COLUMNS`` tuples; extra card ids) -> their
study-log table, every card id among ``item_keys``."""


@dataclass(frozen=True)
class ServedModel:
    """What the study service needs from the active model.

    ``version`` is logged with every decision (``model_version``). ``table_builder``
    turns a learner's rows into the table the model reads, with the dense item ids and
    card embeddings the model was trained with; None for models that need neither
    (ids are then given locally and no text embeddings are attached).
    """

    version: str
    model: StudentModel
    table_builder: TableBuilder | None = None


class ActiveModelProvider(Protocol):
    def __call__(self, *, deck: Deck, kind: str | None, learner=None) -> ServedModel | None:
        """The active model of ``kind`` (None: of any kind) serving ``learner`` on ``deck``, or None."""


_provider: ActiveModelProvider | None = None


def serve_active_models_with(provider: ActiveModelProvider | None) -> ActiveModelProvider | None:
    """Install the function that finds the active model (None removes it); return the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def active_model(*, deck: Deck, kind: str | None, learner=None) -> ServedModel | None:
    """The model that predicts recall for ``learner`` on ``deck`` now, or None when none is active."""
    return None if _provider is None else _provider(deck=deck, kind=kind, learner=learner)
