"""Helpers for the experiment tests: experiments on a deck, a learner known to land in a given arm, a served model."""

import pytest

from apps.accounts import roles
from apps.experiments.services import ArmSpec, assignment_fraction, experiment_create, experiment_start, weighted_arm
from apps.study.student_model import ServedModel, serve_active_models_with
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model


@pytest.fixture
def running_experiment(db):
    """Start an experiment (by the deck's owner) on a deck with arms given as (name, policy, model_kind, weight)."""

    def start(deck, *arms):
        experiment = experiment_create(
            deck=deck, name="policy comparison", created_by=deck.owner, arms=[ArmSpec(*arm) for arm in arms]
        )
        return experiment_start(experiment=experiment)

    return start


@pytest.fixture
def learner_in_arm(make_user):
    """A new learner whose deterministic assignment falls in the named arm (the arm is drawn on first study)."""

    def make(experiment, arm_name: str):
        arms = list(experiment.arms.order_by("id"))
        for index in range(200):
            learner = make_user(f"arm-{arm_name}-{index}", roles.LEARNER)
            if weighted_arm(arms, assignment_fraction(experiment, learner.pk)).name == arm_name:
                return learner
        raise AssertionError(f"no learner among 200 fell in arm {arm_name!r}")

    return make


@pytest.fixture(scope="module")
def tiny_logreg():
    """A logistic-regression student model really trained on a small generated study log."""
    model = create_model("logreg", seed=0)
    model.fit(generate_study_log(n_learners=6, n_items=20, n_logs=300, seed=1))
    return model


@pytest.fixture
def served_model(tiny_logreg):
    """Serve ``tiny_logreg`` as the active model of every deck (kind 'logreg') for one test."""
    served = ServedModel(version="logreg-test-1", model=tiny_logreg)

    def provider(*, deck, kind, learner=None):
        return served if kind in (None, "logreg") else None

    previous = serve_active_models_with(provider)
    yield served
    serve_active_models_with(previous)
