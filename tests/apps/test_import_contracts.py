"""The apps' import contracts (``[tool.importlinter]`` in pyproject.toml): no import cycles, and every import points down the layers.

Checked with import-linter over the real import graph of ``apps`` (every ``import``,
including those inside functions), so a new upward import or a service <-> task circle
fails here with the chain that breaks it.
"""

import tomllib
from pathlib import Path

import grimp
import pytest
from celery import current_app
from importlinter.cli import lint_imports
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

from apps.deck_io.services import RUN_DECK_IMPORT_TASK
from apps.dashboards.services import COMPUTE_COHORT_SNAPSHOT_TASK
from apps.modeling.training import TRAIN_MODEL_VERSION_TASK
from apps.research.services import RUN_RESEARCH_EXPORT_TASK

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
CONTRACTS = {contract["id"]: contract for contract in tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]}


def test_the_apps_keep_their_import_contracts():
    """What ``.venv/bin/lint-imports`` checks; on failure its report (the chains that break a contract) is in the output."""
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def _kept(contract_class, contract_id: str, *, added: tuple[str, str] | None = None) -> bool:
    """Whether the contract of pyproject.toml holds on the real graph of ``apps``, with the ``added`` import (importer, imported) if given."""
    graph = grimp.build_graph("apps", cache_dir=None)
    if added is not None:
        graph.add_import(importer=added[0], imported=added[1], line_number=1, line_contents="import")
    options = {key: value for key, value in CONTRACTS[contract_id].items() if key not in {"id", "name", "type"}}
    contract = contract_class(name=contract_id, session_options={"root_packages": ["apps"]}, contract_options=options)
    return contract.check(graph, verbose=False).kept


@pytest.mark.parametrize(
    "added",
    [
        ("apps.accounts.selectors", "apps.cards.selectors"),  # each one an import this work removed
        ("apps.cards.services", "apps.study.services"),
        ("apps.study.policies", "apps.experiments.services"),
        ("apps.outbox.admin", "apps.study.admin"),
    ],
)
def test_the_layer_contract_refuses_an_upward_import(added):
    assert _kept(LayersContract, "layers")
    assert not _kept(LayersContract, "layers", added=added)


@pytest.mark.parametrize("added", [("apps.research.services", "apps.research.tasks"), ("apps.deck_io.services", "apps.deck_io.tasks")])
def test_the_cycle_contract_refuses_a_service_that_imports_its_tasks(added):
    assert _kept(AcyclicSiblingsContract, "acyclic")
    assert not _kept(AcyclicSiblingsContract, "acyclic", added=added)


@pytest.mark.parametrize("task_name", [RUN_DECK_IMPORT_TASK, COMPUTE_COHORT_SNAPSHOT_TASK, TRAIN_MODEL_VERSION_TASK, RUN_RESEARCH_EXPORT_TASK])
def test_every_task_a_service_enqueues_by_name_is_a_registered_task(task_name):
    current_app.loader.import_default_modules()  # what a worker does at start: every app's tasks.py
    assert task_name in current_app.tasks
