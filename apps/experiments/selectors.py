"""Reads for experiments: the experiments of a deck, the one running, and the figures per arm."""

from dataclasses import dataclass

from django.db.models import Count, Q

from apps.cards.models import Deck
from apps.experiments.models import ArmAssignment, Experiment, ExperimentArm
from apps.experiments.statistics import Answer, ArmFigures, arm_figures
from apps.study.models import StudyLog


def deck_experiments(deck: Deck):
    return Experiment.objects.filter(deck=deck).annotate(learners=Count("assignments")).order_by("-created_at", "-id")


@dataclass(frozen=True)
class ArmResult:
    arm: ExperimentArm
    figures: ArmFigures


def experiment_results(experiment: Experiment) -> list[ArmResult]:
    """Per arm: its learners' live answers on the deck while the experiment ran (none before it started).

    An answer is on the deck when its card is in the deck, or when it was given while
    studying the deck (a card of a deck inside it, chosen under the experiment's arms).
    """
    arms = list(experiment.arms.annotate(learners=Count("assignments")).order_by("id"))
    if experiment.started_at is None:
        return [ArmResult(arm, arm_figures([], learners=0, counted_from=experiment.created_at, counted_until=None)) for arm in arms]
    learners_by_arm: dict[int, set[int]] = {arm.pk: set() for arm in arms}
    for arm_id, learner_id in ArmAssignment.objects.filter(experiment=experiment).values_list("arm_id", "learner_id"):
        learners_by_arm[arm_id].add(learner_id)
    on_deck = Q(deck=experiment.deck) | Q(shown__deck=experiment.deck)
    logs = StudyLog.objects.live().filter(on_deck, learner_id__in=ArmAssignment.objects.filter(experiment=experiment).values("learner_id"))
    if experiment.stopped_at is not None:
        logs = logs.filter(answered_at__lt=experiment.stopped_at)
    answers_by_learner: dict[int, list[Answer]] = {}
    for row in logs.order_by("learner_id", "card_id", "answered_at", "id").values_list("learner_id", "card_id", "answered_at", "outcome"):
        answers_by_learner.setdefault(row[0], []).append(Answer(*row))
    return [
        ArmResult(
            arm,
            arm_figures(
                (answer for learner_id in sorted(learners_by_arm[arm.pk]) for answer in answers_by_learner.get(learner_id, [])),
                learners=arm.learners,
                counted_from=experiment.started_at,
                counted_until=experiment.stopped_at,
            ),
        )
        for arm in arms
    ]
