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
    "family": ["mother", "father", "brother", "sister", "son", "daughter", "grandmother", "grandfather"],
    "colours": ["red", "blue", "green", "yellow", "black", "white", "orange", "purple"],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight"],
    "animals": ["dog", "cat", "horse", "cow", "pig", "sheep", "rabbit", "mouse"],
}


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    """32 cards in four families of eight whose texts differ by one word, so transfer links each family."""
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


@pytest.fixture(scope="module")
def transfer_log(deck, tmp_path_factory):
    """Twelve learners with strong transfer; the last three are held out."""
    path = tmp_path_factory.mktemp("log") / "log.csv"
    simulate(deck, path, seed=2, learners=12, days=6, transfer=0.9)
    (table,) = load_tables("studylog", [path])
    from knowledge_tracing.embeddings import SentenceEncoder

    table = table.with_embeddings(SentenceEncoder().encode(list(table.item_text)))
    held_out = table.learner >= 9
    return table.take(~held_out), table.take(held_out)


@pytest.mark.xfail(
    strict=True,
    reason="with inputs clipped to their training range, KARL's head no longer beats its warm start here "
    "(validation log loss 0.0462 against 0.0462; over seeds 1-5 the two differ by under 1e-3 either way): "
    "the content signal is not learnt yet (docs/models/karl.md)",
)
def test_with_transfer_the_selected_karl_is_not_its_warm_start(transfer_log):
    """Selection can choose the text/retrieval head: the kept epoch beats epoch 0 on validation rows neither was fitted to."""
    train, held_out = transfer_log
    karl, logreg = create_model("karl", seed=0), create_model("logreg", seed=0)
    report = karl.fit(train)
    logreg.fit(train)

    assert report.best_epoch > 0
    validation_loss = [epoch["valid_log_loss"] for epoch in report.epochs]
    assert validation_loss[report.best_epoch] < validation_loss[0]
    served, ablation = karl.predict_proba(held_out), logreg.predict_proba(held_out)
    assert np.abs(served - ablation).max() > 1e-3
    assert log_loss(held_out.outcome, served) < 1.0
