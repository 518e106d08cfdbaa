"""A run fitted per learner, fanned out in parts: progress summed, a failing part retried alone, no version from part of the data.

The parts are carried out here as a worker would (``training_part_execute`` for each
message sent); the messages themselves are recorded instead of sent to a broker.
"""

import pytest

from apps.modeling import fanout
from apps.modeling.artifacts import artifact_load
from apps.modeling.datasets import Vocabulary, split_by_time
from apps.modeling.models import ModelVersion, TrainingPart, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.tasks import finish_training_run, fit_training_part
from apps.modeling.training import training_run_create, training_run_execute, training_table
from knowledge_tracing.models import create_model
from knowledge_tracing.models.fsrs6 import FSRS6Model

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch, settings, tmp_path):
    """The messages the fan-out sends, in order, as (task name, args)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    settings.MNEMO_TRAINING_PART_LEARNERS = 2
    messages = []
    monkeypatch.setattr(fanout, "enqueue_on_commit", lambda task, *, args, queue=None: messages.append((task, list(args))))
    return messages


def _fan_out(deck) -> TrainingRun:
    run = training_run_create(kind="fsrs6", scope=Scope.of_deck(deck), trigger=TrainingRun.Trigger.ADMIN)
    return training_run_execute(run_id=run.pk, fan_out=fanout.training_fanout_start)


def _work_off(sent) -> None:
    """Carry out every message sent so far and those they send, as the workers would."""
    while sent:
        name, args = sent.pop(0)
        if name == fit_training_part.name:
            fanout.training_part_execute(part_id=args[0])
        else:
            assert name == finish_training_run.name
            fanout.training_run_finish(run_id=args[0], attempt=args[1])


def _fail_once_for(monkeypatch, learner_key: str, *, times: int) -> list[str]:
    failures = []
    real = FSRS6Model.optimize_learner

    def flaky(self, rows):
        if str(rows.learner_keys[rows.learner[0]]) == learner_key and len(failures) < times:
            failures.append(learner_key)
            raise RuntimeError(f"optimizer crashed on learner {learner_key}")
        return real(self, rows)

    monkeypatch.setattr(FSRS6Model, "optimize_learner", flaky)
    return failures


def test_a_run_goes_out_in_parts_and_equals_the_unsplit_fit(seeded_deck, sent):
    run = _fan_out(seeded_deck)
    assert run.status == TrainingRun.Status.RUNNING and run.parts_pending == 3
    assert [name for name, _ in sent] == [fit_training_part.name] * 3
    assert run.progress == {"stage": "fitting learners in parts", "parts": 3, "parts_done": 0, "learners": 6, "learners_done": 0}
    name, args = sent.pop(0)
    fanout.training_part_execute(part_id=args[0])
    run.refresh_from_db()
    assert run.progress["parts_done"] == 1 and run.progress["learners_done"] == 2 and run.status == TrainingRun.Status.RUNNING
    _work_off(sent)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.message
    assert run.version.is_active
    assert not fanout._table_path(run, 1).exists()  # the parts' table is removed once the run is stored
    reference = create_model("fsrs6")
    built, _ = training_table(Scope.of_deck(seeded_deck), kind="fsrs6", vocabulary=Vocabulary.from_json(run.version.vocabulary))
    reference.fit(split_by_time(built, 0.2).train)
    assert artifact_load(run.version).learner_parameters == pytest.approx(reference.learner_parameters)


def test_a_failing_part_is_retried_alone_and_the_run_still_promotes_with_every_part(seeded_deck, sent, monkeypatch):
    run = _fan_out(seeded_deck)
    victim = TrainingPart.objects.get(run=run, index=1)
    failures = _fail_once_for(monkeypatch, victim.learner_keys[0], times=1)
    _work_off(sent)
    run.refresh_from_db()
    assert failures == [victim.learner_keys[0]]
    assert run.status == TrainingRun.Status.SUCCEEDED, run.message
    attempts = dict(TrainingPart.objects.filter(run=run).values_list("index", "attempts"))
    assert attempts == {0: 1, 1: 2, 2: 1}
    assert "optimizer crashed" in TrainingPart.objects.get(pk=victim.pk).message
    assert run.version.is_active and ModelVersion.objects.count() == 1


def test_a_part_that_fails_every_try_fails_the_run_and_nothing_is_promoted(seeded_deck, sent, monkeypatch, settings):
    settings.MNEMO_TRAINING_PART_ATTEMPTS = 3
    run = _fan_out(seeded_deck)
    victim = TrainingPart.objects.get(run=run, index=2)
    _fail_once_for(monkeypatch, victim.learner_keys[0], times=99)
    _work_off(sent)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and run.finished_at is not None
    assert "part 3 of 3 failed 3 times" in run.message and "no version was made from part of the data" in run.message
    assert TrainingPart.objects.get(pk=victim.pk).status == TrainingPart.Status.FAILED
    assert not ModelVersion.objects.exists()


def test_joining_before_every_part_succeeded_fails_the_run_instead_of_promoting(seeded_deck, sent):
    run = _fan_out(seeded_deck)
    name, args = sent.pop(0)
    fanout.training_part_execute(part_id=args[0])
    fanout.training_run_finish(run_id=run.pk, attempt=1)  # a join sent too early, or by hand
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert "2 of 6 learners were fitted by the parts" in run.message
    assert not ModelVersion.objects.exists()


def test_a_run_of_one_part_is_fitted_in_one_piece(seeded_deck, sent, settings):
    settings.MNEMO_TRAINING_PART_LEARNERS = 50
    run = _fan_out(seeded_deck)
    assert run.status == TrainingRun.Status.SUCCEEDED and run.parts_pending is None and not sent
