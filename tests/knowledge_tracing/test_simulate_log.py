"""``simulate-log`` writes a study log that ``evaluate`` reads, and on it KARL's selection can keep its content head."""

import csv
import json

import numpy as np
import pytest

from knowledge_tracing.cli import main
from knowledge_tracing.data.loaders import load_tables
from knowledge_tracing.metrics import log_loss
from knowledge_tracing.models import create_model

FAMILIES = {
    "family": ["mother", "father", "brother", "sister", "son", "daughter", "grandmother", "grandfather", "uncle", "aunt"],
    "colours": ["red", "blue", "green", "yellow", "black", "white", "orange", "purple", "brown", "grey"],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "animals": ["dog", "cat", "horse", "cow", "pig", "sheep", "rabbit", "mouse", "goat", "duck"],
    "food": ["bread", "cheese", "apple", "rice", "soup", "butter", "egg", "fish", "meat", "cake"],
    "weather": ["rain", "snow", "wind", "sun", "cloud", "storm", "fog", "ice", "thunder", "frost"],
    "body": ["head", "hand", "foot", "eye", "ear", "nose", "mouth", "arm", "leg", "knee"],
    "days": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning", "evening", "night"],
}


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    """80 cards in eight families of ten whose texts differ by one word, so transfer links each family."""
    path = tmp_path_factory.mktemp("deck") / "deck.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["front", "back", "tags"])
        for family, words in FAMILIES.items():
            writer.writerows([f"The word for {word}, in the {family} lesson?", word.upper(), f"words|{family}"] for word in words)
    return path


def simulate(deck, output, *, seed, learners=3, days=3, transfer=0.5):
    arguments = ["simulate-log", "--deck", str(deck), "--learners", str(learners), "--days", str(days)]
    arguments += ["--seed", str(seed), "--transfer", str(transfer), "--output", str(output)]
    assert main(arguments) == 0
    return output.read_text(encoding="utf-8")


def test_simulate_log_is_deterministic_for_a_seed_and_evaluate_reads_it(deck, tmp_path, capsys):
    first = simulate(deck, tmp_path / "a.csv", seed=4)
    assert simulate(deck, tmp_path / "b.csv", seed=4) == first
    assert simulate(deck, tmp_path / "c.csv", seed=5) != first
    header, *rows = list(csv.reader(first.splitlines()))
    assert header == ["learner", "card", "answered_at", "outcome", "grade", "response_ms", "card_text", "concepts"]
    assert {row[0] for row in rows} == {"learner-0", "learner-1", "learner-2"}
    assert {row[6] for row in rows} <= {f"The word for {w}, in the {f} lesson? {w.upper()}" for f, ws in FAMILIES.items() for w in ws}
    capsys.readouterr()

    output = tmp_path / "figures.json"
    arguments = ["evaluate", "--format", "studylog", "--data", str(tmp_path / "a.csv"), "--protocol", "time-series"]
    arguments += ["--folds", "2", "--embed", "--models", "logreg,hlr", "--seed", "4", "--json", str(output)]
    assert main(arguments) == 0
    results = {result["model"]: result for result in json.loads(output.read_text())["results"]}
    assert set(results) == {"logreg", "hlr"}
    assert all(result["n"] > 0 and 0 < result["log_loss"] < 1 for result in results.values())


def test_simulate_log_refuses_a_transfer_strength_outside_0_to_1(deck, tmp_path):
    output = tmp_path / "log.csv"
    with pytest.raises(SystemExit, match="--transfer must be between 0 and 1"):
        main(["simulate-log", "--deck", str(deck), "--learners", "2", "--days", "2", "--transfer", "1.5", "--output", str(output)])
    assert not output.exists()


def embedded_learner_split(deck, path, *, transfer):
    """24 simulated learners over four days of new cards: 16 train, 4 validate, 4 are held out."""
    from knowledge_tracing.embeddings import SentenceEncoder

    simulate(deck, path, seed=1, learners=24, days=4, transfer=transfer)
    (table,) = load_tables("studylog", [path])
    table = table.with_embeddings(SentenceEncoder().encode(list(table.item_text)))
    return table.take(table.learner < 16), table.take((table.learner >= 16) & (table.learner < 20)), table.take(table.learner >= 20)


def test_with_transfer_the_selected_karl_is_not_its_warm_start(deck, tmp_path):
    """Selection chooses the content: validation rows that neither start was fitted to prefer the transfer term.

    The warm start is the history-only logistic regression (the ``logreg`` ablation);
    the validation learners are other learners than the training ones, so their first
    sightings of related cards, where transfer matters most, judge the two.
    """
    train, validation, held_out = embedded_learner_split(deck, tmp_path / "log.csv", transfer=0.9)
    karl, logreg = create_model("karl", seed=0), create_model("logreg", seed=0)
    report = karl.fit(train, validation)
    logreg.fit(train)

    warm_start = report.epochs[0]
    assert warm_start["transfer"] is True
    assert warm_start["with_transfer_valid_log_loss"] < warm_start["history_only_valid_log_loss"] - 0.005
    assert karl.network.transfer_weight.min() > 0
    kept_validation_loss = report.epochs[report.best_epoch]["valid_log_loss"]
    assert kept_validation_loss < log_loss(validation.outcome, logreg.predict_proba(validation)) - 0.01
    served, ablation = karl.predict_proba(held_out), logreg.predict_proba(held_out)
    assert np.abs(served - ablation).max() > 1e-3
    assert log_loss(held_out.outcome, served) < log_loss(held_out.outcome, ablation) - 0.005


def test_without_transfer_karl_is_no_worse_than_the_logistic_regression(deck, tmp_path):
    """With transfer off, card text says nothing about recall: KARL stays within noise of the logistic regression."""
    train, validation, held_out = embedded_learner_split(deck, tmp_path / "log.csv", transfer=0.0)
    karl, logreg = create_model("karl", seed=0), create_model("logreg", seed=0)
    karl.fit(train, validation)
    logreg.fit(train)
    served, ablation = karl.predict_proba(held_out), logreg.predict_proba(held_out)
    assert log_loss(held_out.outcome, served) < log_loss(held_out.outcome, ablation) + 0.005
