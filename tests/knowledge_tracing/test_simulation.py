"""The learner simulator: memory and transfer behave as stated, runs repeat exactly for a seed."""

import json

import numpy as np
import pytest

from knowledge_tracing.cli import main
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.models import create_model
from knowledge_tracing.policies import create_policy
from knowledge_tracing.policies.predictions import predict_by_hypothetical_rows
from knowledge_tracing.simulation import CardNeighbours, simulated_population
from knowledge_tracing.simulation.study import StudyPlan, study_deck

NOW = 1_704_067_200.0


def _deck_with_one_near_pair():
    """Card 1 is a close paraphrase of card 0; card 2 is unrelated to both."""
    return np.array([[1.0, 0.0, 0.0], [0.95, 0.31, 0.0], [0.0, 0.0, 1.0]])


def _learner(embeddings, seed=3, transfer_strength=0.5):
    neighbours = CardNeighbours.from_embeddings(embeddings, k=2)
    return simulated_population(1, neighbours=neighbours, seed=seed, transfer_strength=transfer_strength)[0]


def test_studying_a_card_raises_its_neighbours_recall_but_not_an_unrelated_card():
    learner = _learner(_deck_with_one_near_pair())
    before = learner.recall_probabilities(NOW)
    for minutes in (0, 10, 30):
        learner.answer(0, NOW + 60 * minutes)
    after = learner.recall_probabilities(NOW + 3600)
    assert after[1] > before[1] + 0.2
    assert after[2] == pytest.approx(before[2])


def test_without_transfer_a_neighbour_is_untouched():
    learner = _learner(_deck_with_one_near_pair(), transfer_strength=0.0)
    before = learner.recall_probabilities(NOW)[1]
    learner.answer(0, NOW)
    assert learner.recall_probabilities(NOW + 3600)[1] == pytest.approx(before)


def test_memory_fades_with_time_and_successful_reviews_make_it_last():
    learner = _learner(np.eye(3))
    learner.answer(0, NOW)
    fading = [learner.recall_probabilities(NOW + days * SECONDS_PER_DAY)[0] for days in (0.1, 1, 5, 20)]
    assert fading == sorted(fading, reverse=True)
    stability_after_first = learner.stability[0]
    day = NOW
    while learner.answer(0, day).outcome == 0 or day == NOW:  # study until one long-term recall
        day += 2 * SECONDS_PER_DAY
    assert learner.stability[0] > stability_after_first


def test_answers_carry_a_grade_and_a_plausible_response_time():
    learner = _learner(np.eye(3))
    answers = [learner.answer(card % 3, NOW + 3600 * card) for card in range(30)]
    assert {answer.grade for answer in answers} <= {1, 2, 3, 4}
    assert all((answer.grade == 1) == (answer.outcome == 0) for answer in answers)
    assert all(500 < answer.response_ms < 120_000 for answer in answers)


def test_a_seed_gives_the_same_population_and_answers():
    neighbours = CardNeighbours.from_embeddings(np.random.default_rng(0).normal(size=(6, 4)))
    first, second = (simulated_population(3, neighbours=neighbours, seed=11) for _ in range(2))
    assert [learner.parameters for learner in first] == [learner.parameters for learner in second]
    assert first[0].parameters != first[1].parameters
    assert [first[0].answer(card, NOW) for card in range(6)] == [second[0].answer(card, NOW) for card in range(6)]


def test_daily_new_card_limit_holds_while_studying():
    neighbours = CardNeighbours.from_embeddings(np.random.default_rng(1).normal(size=(40, 8)))
    learner = simulated_population(1, neighbours=neighbours, seed=2)[0]
    plan = StudyPlan(days=3, daily_budget_seconds=900, new_per_day=5)
    log = study_deck(learner, create_policy("random"), plan, start_time=NOW, rng=np.random.default_rng(0))
    first_seen_day = {}
    for card, moment in zip(log.card, log.time):
        first_seen_day.setdefault(card, int((moment - NOW) // SECONDS_PER_DAY))
    new_per_day = np.bincount(list(first_seen_day.values()), minlength=3)
    assert new_per_day.max() <= 5
    assert len(log) > sum(new_per_day)  # reviews filled the rest of the budget


def test_hypothetical_row_predictions_match_the_model_on_the_explicit_history():
    rng = np.random.default_rng(4)
    n = 60
    history = StudyLogTable.from_columns(
        learner=np.zeros(n, np.int64),
        item=rng.integers(0, 5, n),
        time=NOW + np.sort(rng.uniform(0, 20 * SECONDS_PER_DAY, n)),
        outcome=rng.integers(0, 2, n),
        item_keys=range(6),
    )
    model = create_model("fsrs6-default")
    model.fit(history)
    now = NOW + 21 * SECONDS_PER_DAY
    predictions = predict_by_hypothetical_rows(model, history, np.array([2, 5]), now=now)

    def explicit(extra_items, extra_times, extra_outcomes):
        table = StudyLogTable.from_columns(
            learner=np.zeros(n + len(extra_items), np.int64),
            item=np.r_[history.item, extra_items],
            time=np.r_[history.time, extra_times],
            outcome=np.r_[history.outcome, extra_outcomes],
            grade=np.r_[history.grade, np.where(np.array(extra_outcomes) > 0, 3, 1)],
            item_keys=range(6),
        )
        return model.predict_proba(table)[-1]

    tomorrow = now + SECONDS_PER_DAY
    assert predictions.predicted_recall[0] == pytest.approx(explicit([2], [now], [0]))
    assert predictions.recall_if_correct_tomorrow[0] == pytest.approx(explicit([2, 2], [now, tomorrow], [1, 0]))
    assert predictions.recall_if_wrong_tomorrow[0] == pytest.approx(explicit([2, 2], [now, tomorrow], [0, 0]))
    assert predictions.recall_if_skipped_tomorrow[0] == pytest.approx(explicit([2], [tomorrow], [0]))
    assert predictions.recall_if_skipped_tomorrow[0] < predictions.predicted_recall[0]


def test_simulate_command_is_deterministic_for_a_seed(tmp_path):
    deck = tmp_path / "deck.csv"
    deck.write_text("front,back,tags\n" + "".join(f"Question {i}?,Answer {i},t\n" for i in range(12)))

    def simulate(seed, name):
        out = tmp_path / name
        arguments = ["simulate", "--deck", str(deck), "--no-text", "--learners", "2", "--days", "2"]
        arguments += ["--warmup-learners", "2", "--warmup-days", "2", "--model", "fsrs6-default"]
        arguments += ["--daily-minutes", "2", "--seed", str(seed), "--json", str(out)]
        assert main(arguments) == 0
        return json.loads(out.read_text())

    first, again, other = simulate(5, "a.json"), simulate(5, "b.json"), simulate(6, "c.json")
    assert first == again
    assert [result["policy"] for result in first["results"]] == ["delta", "recall_target", "fsrs", "random"]
    assert first["results"] != other["results"]
    for result in first["results"]:
        assert result["reviews"] > 0
        assert 0 <= result["known_at_test_share"] <= 1


def test_a_malformed_deck_is_refused_with_its_line(tmp_path):
    deck = tmp_path / "deck.csv"
    deck.write_text("front,back\nQ1,A1\n,A2\n")
    with pytest.raises(SystemExit, match="line 3"):
        main(["simulate", "--deck", str(deck), "--no-text"])


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_simulate_command_with_its_default_model_and_text_runs_for_every_seed(tmp_path, seed):
    """The default run (KARL over the deck's sentence embeddings, every policy), small: learners start with no history."""
    deck = tmp_path / "deck.csv"
    pairs = [("mother", "madre"), ("father", "padre"), ("brother", "hermano"), ("sister", "hermana"), ("France", "Paris")]
    pairs += [("Spain", "Madrid"), ("Italy", "Rome"), ("gold", "Au"), ("iron", "Fe"), ("silver", "Ag")]
    deck.write_text("front,back,tags\n" + "".join(f"Word for {front}?,{back},t\n" for front, back in pairs))
    out = tmp_path / "report.json"
    arguments = ["simulate", "--deck", str(deck), "--learners", "2", "--days", "2", "--warmup-learners", "4"]
    arguments += ["--warmup-days", "3", "--daily-minutes", "2", "--json", str(out)]
    assert main(arguments + ([] if seed is None else ["--seed", str(seed)])) == 0
    report = json.loads(out.read_text())
    assert report["model"] == "karl" and report["text_embeddings"] is True
    assert [result["policy"] for result in report["results"]] == ["delta", "recall_target", "fsrs", "random"]
    for result in report["results"]:
        assert result["reviews"] > 0
        assert 0.0 < result["predicted_vs_simulated_recall"]["mean_predicted"] < 1.0
