"""Offline comparison of scheduling policies on one simulated population.

1. Warm-up: a separate group of simulated learners studies the deck under the
   ``random`` policy; a student model from the registry (``karl`` by default) is
   trained on their logs, so the policies are driven by a model's predictions, not by
   the simulator's hidden memory (oracle knowledge).
2. Each policy then teaches the *same* learners (rebuilt from the seed, with the same
   random streams) for the same days and daily time budget; the model predicts from
   each learner's own log as it grows (it is not retrained).
3. A final test one day after the last study day reads each learner's true recall of
   every card from the simulator, and a later one (``later_test_delay_days``, nothing
   studied in between) shows what lasts: the one-day test rewards bringing in many new
   cards, the later one also rewards keeping them.

Workload is the same for every policy: the same daily time budget (answer time plus
overhead) and new-card limit. Policies that never review early (``fsrs``,
``model_due``) stop when nothing is due, so the minutes each policy actually studied
are reported, and what it taught per minute. Since fewer minutes teach more per
minute, ``fsrs_curve_retentions`` also runs FSRS due order at those target
retentions on the same learners and compares every policy with FSRS's curve of cards
known against minutes at the minutes the policy studied (``workload_match``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.metrics import expected_calibration_error
from knowledge_tracing.models import StudentModel, create_model
from knowledge_tracing.policies import create_policy
from knowledge_tracing.policies.intervals import model_due_times
from knowledge_tracing.policies.predictions import predict_candidates
from knowledge_tracing.simulation.population import DEFAULT_TRANSFER_STRENGTH, simulated_population
from knowledge_tracing.simulation.study import StudyLog, StudyPlan, study_deck, study_logs_table
from knowledge_tracing.simulation.transfer import CardNeighbours
from knowledge_tracing.simulation.workload_match import WorkloadCurve

START_TIME = 1_704_067_200.0  # 2024-01-01 00:00 UTC: a fixed calendar keeps runs reproducible
WARMUP_POLICY = "random"
VALIDATION_SHARE = 0.25


@dataclass(frozen=True)
class ComparisonSettings:
    """What to compare, on how many learners, for how long."""

    policies: tuple[str, ...] = ("delta", "recall_target", "fsrs", "random")
    learners: int = 8
    warmup_learners: int = 8
    warmup_days: int = 7
    model: str = "karl"
    model_options: dict = field(default_factory=dict)
    seed: int = 0
    plan: StudyPlan = field(default_factory=StudyPlan)
    test_delay_days: float = 1.0
    later_test_delay_days: float = 30.0
    transfer_strength: float = DEFAULT_TRANSFER_STRENGTH
    fsrs_curve_retentions: tuple[float, ...] = ()
    fsrs_curve_budget_shares: tuple[float, ...] = (1.0,)


def run_policy_comparison(item_embeddings: np.ndarray, settings: ComparisonSettings) -> dict:
    """Warm up, train the model, run every policy, and report per policy (see the module docstring)."""
    neighbours = CardNeighbours.from_embeddings(item_embeddings)
    warmup_seed, population_seed, policy_seed, model_seed = np.random.SeedSequence(settings.seed).generate_state(4)
    model = train_on_warmup(item_embeddings, neighbours, settings, warmup_seed=int(warmup_seed), model_seed=int(model_seed))
    results = [
        evaluate_policy(
            name,
            model,
            item_embeddings,
            neighbours,
            settings,
            population_seed=int(population_seed),
            policy_seed=int(policy_seed),
        )
        for name in settings.policies
    ]
    report = {
        "model": settings.model,
        "settings": asdict(settings) | {"policies": list(settings.policies)},
        "n_cards": int(len(item_embeddings)),
        "results": results,
    }
    if settings.fsrs_curve_retentions:
        curves = fsrs_workload_curves(
            item_embeddings, neighbours, settings, population_seed=int(population_seed), policy_seed=int(policy_seed)
        )
        report["fsrs_curve"] = {"known_before": curves["known_before"], "points": curves["points"]}
        for result in results:
            result["workload_matched"] = {
                "test": curves["test"].compare(result["minutes_studied"], result["known_at_test"]),
                "later": curves["later"].compare(result["minutes_studied"], result["known_later"]),
            }
    return report


def train_on_warmup(
    item_embeddings: np.ndarray, neighbours: CardNeighbours, settings: ComparisonSettings, *, warmup_seed: int, model_seed: int
) -> StudentModel:
    """The student model, trained on warm-up learners' logs (a quarter of them held out for validation)."""
    plan = StudyPlan(**(asdict(settings.plan) | {"days": settings.warmup_days}))
    logs = population_study_logs(
        neighbours, settings.warmup_learners, plan,
        policy_name=WARMUP_POLICY, seed=warmup_seed, transfer_strength=settings.transfer_strength,
    )
    table = study_logs_table(logs, n_cards=len(item_embeddings), item_embeddings=item_embeddings)
    n_valid = int(round(settings.warmup_learners * VALIDATION_SHARE))
    is_valid = table.learner >= settings.warmup_learners - n_valid
    model = create_model(settings.model, seed=model_seed, **settings.model_options)
    model.fit(table.take(~is_valid), table.take(is_valid) if n_valid else None)
    return model


def population_study_logs(
    neighbours: CardNeighbours,
    n_learners: int,
    plan: StudyPlan,
    *,
    policy_name: str,
    seed: int,
    transfer_strength: float,
    start_time: float = START_TIME,
) -> list[StudyLog]:
    """The logs of ``n_learners`` fresh learners (drawn from ``seed``) studying under a model-free policy."""
    learners = simulated_population(n_learners, neighbours=neighbours, seed=seed, transfer_strength=transfer_strength)
    policy = create_policy(policy_name)
    return [
        study_deck(learner, policy, plan, start_time=start_time, rng=np.random.default_rng([seed, index]))
        for index, learner in enumerate(learners)
    ]


def evaluate_policy(
    name: str,
    model: StudentModel,
    item_embeddings: np.ndarray,
    neighbours: CardNeighbours,
    settings: ComparisonSettings,
    *,
    population_seed: int,
    policy_seed: int,
) -> dict:
    """One policy teaching the evaluation population; what the learners know at the final test."""
    policy = create_policy(name).for_learner(target_retention=settings.plan.target_retention)

    def predictor(history, items, now):
        return predict_candidates(model, history, items, now=now)

    def due_forecaster(history, card, now, grade):
        return float(model_due_times(model, card, now=now, target=settings.plan.target_retention, history=history)[grade - 1])

    taught = teach_population(
        policy, item_embeddings, neighbours, settings, population_seed=population_seed, policy_seed=policy_seed,
        predictor=predictor, due_forecaster=due_forecaster if policy.intervals_from_model else None,
    )
    summary = summarize_policy(name, taught.logs, taught.known_before, taught.known_after, n_cards=len(item_embeddings))
    return summary | workload_summary(
        taught.logs, taught.known_before, taught.known_after, taught.known_later,
        plan=settings.plan, first_day=taught.study_start, later_test_delay_days=settings.later_test_delay_days,
    )


@dataclass(frozen=True)
class TaughtPopulation:
    """The evaluation learners' logs under one policy, and what each knew before, at the test and later."""

    logs: list[StudyLog]
    known_before: np.ndarray
    known_after: np.ndarray
    known_later: np.ndarray
    study_start: float


def teach_population(
    policy,
    item_embeddings: np.ndarray,
    neighbours: CardNeighbours,
    settings: ComparisonSettings,
    *,
    population_seed: int,
    policy_seed: int,
    predictor=None,
    due_forecaster=None,
) -> TaughtPopulation:
    """The evaluation population (rebuilt from ``population_seed``: the same learners for every policy) studies under ``policy``."""
    learners = simulated_population(
        settings.learners, neighbours=neighbours, seed=population_seed, transfer_strength=settings.transfer_strength
    )
    study_start = START_TIME + settings.warmup_days * SECONDS_PER_DAY
    last_day = study_start + (settings.plan.days - 1) * SECONDS_PER_DAY
    test_time = last_day + settings.test_delay_days * SECONDS_PER_DAY
    later_test_time = last_day + settings.later_test_delay_days * SECONDS_PER_DAY
    known_before, known_after, known_later, logs = [], [], [], []
    for index, learner in enumerate(learners):
        known_before.append(learner.recall_probabilities(study_start).sum())
        logs.append(
            study_deck(
                learner,
                policy,
                settings.plan,
                start_time=study_start,
                rng=np.random.default_rng([policy_seed, index]),
                predictor=predictor,
                due_forecaster=due_forecaster,
                item_embeddings=item_embeddings,
            )
        )
        known_after.append(learner.recall_probabilities(test_time).sum())
        known_later.append(learner.recall_probabilities(later_test_time).sum())
    return TaughtPopulation(logs, np.array(known_before), np.array(known_after), np.array(known_later), study_start)


def fsrs_workload_curves(
    item_embeddings: np.ndarray, neighbours: CardNeighbours, settings: ComparisonSettings, *, population_seed: int, policy_seed: int
) -> dict:
    """FSRS due order on the same learners at every target retention and daily budget share: its curves of cards known against minutes.

    One run per ``settings.fsrs_curve_retentions`` × ``settings.fsrs_curve_budget_shares``
    (a share of the plan's daily budget: FSRS with less time a day reaches the
    shorter workloads that a higher target alone cannot). The runs use FSRS's own due
    dates and no model (``fsrs`` does not use predictions); one curve for the test and
    one for the later test (``workload_match.WorkloadCurve``).
    """
    points = []
    for share in settings.fsrs_curve_budget_shares:
        for retention in settings.fsrs_curve_retentions:
            plan = replace(settings.plan, target_retention=retention, daily_budget_seconds=settings.plan.daily_budget_seconds * share)
            taught = teach_population(
                create_policy("fsrs"), item_embeddings, neighbours, replace(settings, plan=plan),
                population_seed=population_seed, policy_seed=policy_seed,
            )
            points.append({
                "target_retention": retention, "budget_share": share,
                "minutes_studied": round(float(studied_minutes(taught.logs, plan=plan).mean()), 2),
                "known_at_test": round(float(taught.known_after.mean()), 2),
                "known_later": round(float(taught.known_later.mean()), 2),
            })
    known_before = float(taught.known_before.mean())
    minutes = [point["minutes_studied"] for point in points]
    return {
        "points": points,
        "known_before": round(known_before, 2),
        "test": WorkloadCurve.from_points(minutes, [point["known_at_test"] for point in points], known_before=known_before),
        "later": WorkloadCurve.from_points(minutes, [point["known_later"] for point in points], known_before=known_before),
    }


def studied_minutes(logs: list[StudyLog], *, plan: StudyPlan) -> np.ndarray:
    """Each learner's minutes of study: answer times plus ``plan.overhead_seconds`` per card (the budget's clock)."""
    return np.array([(np.sum(log.response_ms) / 1000.0 + plan.overhead_seconds * len(log)) / 60.0 for log in logs])


def daily_answer_counts(log: StudyLog, *, first_day: float, days: int) -> np.ndarray:
    """Answers per study day (day 0 is the day of ``first_day``)."""
    day_of = np.floor((np.asarray(log.time) - np.floor(first_day / SECONDS_PER_DAY) * SECONDS_PER_DAY) / SECONDS_PER_DAY)
    return np.bincount(day_of.astype(np.int64), minlength=days)[:days].astype(np.float64)


def day_to_day_spread(counts: np.ndarray) -> float:
    """How much one day's answers differ from the next's: the standard deviation of day-to-day changes over sqrt(2).

    Equal to the daily standard deviation for independent days, but blind to a slow
    trend (reviews building up, new cards running out), which no scheduler evens out.
    """
    return float(np.diff(counts).std() / np.sqrt(2.0)) if len(counts) > 1 else 0.0


def workload_summary(
    logs: list[StudyLog], known_before: np.ndarray, known_after: np.ndarray, known_later: np.ndarray,
    *, plan: StudyPlan, first_day: float, later_test_delay_days: float,
) -> dict:
    """Time studied, what it taught per minute, and how even the daily workload was (means over learners).

    Minutes are answer times plus ``plan.overhead_seconds`` per card, the clock the
    simulator's daily budget runs on. The spread is each learner's standard deviation
    of answers per day over the study days, its day-to-day part (``day_to_day_spread``)
    and the busiest day over the mean day.
    """
    minutes = studied_minutes(logs, plan=plan)
    counts = np.array([daily_answer_counts(log, first_day=first_day, days=plan.days) for log in logs])
    mean_day = counts.mean(axis=1)
    learned = known_after - known_before
    return {
        "known_later": round(float(known_later.mean()), 2),
        "later_test_delay_days": later_test_delay_days,
        "minutes_studied": round(float(minutes.mean()), 2),
        "cards_learned_per_minute": round(float(learned.sum() / minutes.sum()), 4) if minutes.sum() > 0 else None,
        "kept_later_per_minute": round(float((known_later - known_before).sum() / minutes.sum()), 4) if minutes.sum() > 0 else None,
        "daily_answers_mean": round(float(mean_day.mean()), 2),
        "daily_answers_sd": round(float(counts.std(axis=1).mean()), 2),
        "day_to_day_spread": round(float(np.mean([day_to_day_spread(row) for row in counts])), 2),
        "daily_answers_max_over_mean": round(float(np.mean(counts.max(axis=1) / np.maximum(mean_day, 1e-9))), 3),
    }


def summarize_policy(name: str, logs: list[StudyLog], known_before: np.ndarray, known_after: np.ndarray, *, n_cards: int) -> dict:
    """Per-policy figures, averaged over learners; calibration over every answer given."""
    reviews = np.array([len(log) for log in logs], dtype=np.float64)
    learned = known_after - known_before
    outcome = np.concatenate([log.outcome for log in logs]).astype(np.float64)
    predicted = np.concatenate([log.predicted_recall for log in logs])
    simulated = np.concatenate([log.simulated_recall for log in logs])
    return {
        "policy": name,
        "known_at_test": round(float(known_after.mean()), 2),
        "known_at_test_share": round(float(known_after.mean() / n_cards), 4),
        "cards_learned": round(float(learned.mean()), 2),
        "reviews": round(float(reviews.mean()), 1),
        "reviews_per_card_learned": round(float(reviews.sum() / learned.sum()), 3) if learned.sum() > 0 else None,
        "recall_rate_during_study": round(float(outcome.mean()), 4),
        "predicted_vs_simulated_recall": {
            "mean_predicted": round(float(predicted.mean()), 4),
            "mean_simulated": round(float(simulated.mean()), 4),
            "mean_absolute_gap": round(float(np.abs(predicted - simulated).mean()), 4),
            "ece_vs_outcomes": round(float(expected_calibration_error(outcome, predicted)), 4),
        },
    }
