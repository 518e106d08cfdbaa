"""KARL: retrieval sees only the past, it learns, and batched candidate scoring equals predict_proba."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.history.features import HistoryFeatures
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.history.update_rules import LAST_TIME
from knowledge_tracing.metrics import log_loss
from knowledge_tracing.models import create_model, karl_inputs
from knowledge_tracing.models.base import StudentModel
from knowledge_tracing.history.retrieval import (
    NEIGHBOUR_FEATURES,
    SimilarityRanking,
    choose_for_candidates,
    retrieve_for_table,
)
from tests.knowledge_tracing.test_logreg import with_question

FAST = {"c_grid": (0.01, 1.0), "max_epochs": 8, "patience": 2}


def concept_embeddings(table, dimension=8, seed=0):
    """Unit vectors that cluster by concept, standing in for text embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(int(table.concept.max()) + 1, dimension))
    concept_of_item = np.zeros(table.n_items, dtype=np.int64)
    concept_of_item[table.item] = table.concept
    vectors = centres[concept_of_item] + 0.3 * rng.normal(size=(table.n_items, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def table():
    log = generate_study_log(n_learners=16, n_items=40, n_logs=1600, seed=5)
    return log.with_embeddings(concept_embeddings(log))


def _neighbours(table, k=3):
    history = HistoryFeatures().fit(table).transform(table)
    return retrieve_for_table(
        table, history.pair_states_after, history.time_seconds, k, table.item_embeddings,
        HistoryFeatures().fsrs_parameters,
    )


@pytest.mark.parametrize("with_embeddings", [True, False])
def test_retrieval_never_sees_the_predicted_row_or_later_ones(table, with_embeddings):
    table = table if with_embeddings else replace(table, item_embeddings=None)
    before = _neighbours(table)
    cut = int(np.flatnonzero(table.learner == 3)[40])
    flipped = table.outcome.copy()
    flipped[cut:] = 1 - flipped[cut:]
    after = _neighbours(replace(table, outcome=flipped))
    np.testing.assert_array_equal(before.features[: cut + 1], after.features[: cut + 1])
    np.testing.assert_array_equal(before.valid[: cut + 1], after.valid[: cut + 1])
    first_rows = table.learner_boundaries()[:-1]
    assert not before.valid[first_rows].any()


def test_retrieval_picks_the_most_similar_earlier_items(table):
    neighbours = _neighbours(table, k=3)
    row = int(np.flatnonzero(table.learner == 2)[60])
    earlier = np.unique(table.item[(table.learner == 2) & (np.arange(len(table)) < row)])
    earlier = earlier[earlier != table.item[row]]
    similarity = table.item_embeddings[earlier] @ table.item_embeddings[table.item[row]]
    np.testing.assert_allclose(neighbours.similarity[row], np.sort(similarity)[::-1][:3], rtol=1e-5)
    assert neighbours.features.shape[-1] == len(NEIGHBOUR_FEATURES)


def _chosen_items(state, chosen):
    return [state.items[rows[valid]].tolist() for rows, valid in zip(chosen.state_rows, chosen.valid)]


def _expected_items(state, item, k, embeddings):
    others = np.flatnonzero(state.items != item)
    if embeddings is None:
        closeness = state.pair_states[others, LAST_TIME]
    else:
        closeness = embeddings[state.items[others]] @ embeddings[item]
    return state.items[others[np.argsort(-closeness, kind="stable")[:k]]].tolist()


@pytest.mark.parametrize("studied_rows", [3, 100])
@pytest.mark.parametrize(("with_embeddings", "ranking_width"), [(True, 4), (True, 20), (False, 0)])
def test_candidate_neighbours_are_the_closest_studied_cards(table, studied_rows, with_embeddings, ranking_width):
    """Found in a narrow ranking when the learner studied most cards, else among all studied cards."""
    own = table.take(table.learner == 2)
    state = LearnerState.from_table(own.take(np.arange(min(studied_rows, len(own)))), 2)
    embeddings = table.item_embeddings if with_embeddings else None
    ranking = SimilarityRanking.of(embeddings, width=ranking_width) if with_embeddings else None
    items = np.arange(table.n_items)
    chosen = choose_for_candidates(state, items, 3, ranking)
    chosen_items = _chosen_items(state, chosen)
    assert chosen_items == [_expected_items(state, item, 3, embeddings) for item in items]
    for item, neighbours, similarity, valid in zip(items, chosen_items, chosen.similarity, chosen.valid):
        expected = embeddings[neighbours] @ embeddings[item] if with_embeddings else np.zeros(len(neighbours))
        np.testing.assert_allclose(similarity[valid], expected, rtol=1e-5)


@pytest.mark.parametrize("with_embeddings", [True, False])
def test_karl_beats_constant_and_round_trips(table, tmp_path, with_embeddings):
    table = table if with_embeddings else replace(table, item_embeddings=None)
    train, test = table.take(table.learner < 12), table.take(table.learner >= 12)
    model = create_model("karl", seed=0, **FAST)
    report = model.fit(train)
    assert report.best_epoch is not None
    constant = create_model("constant")
    constant.fit(train)
    predicted = model.predict_proba(test)
    assert log_loss(test.outcome, predicted) < log_loss(test.outcome, constant.predict_proba(test)) - 0.02

    model.save(tmp_path / "karl.pt")
    np.testing.assert_allclose(StudentModel.load(tmp_path / "karl.pt").predict_proba(test), predicted, rtol=1e-6)


def test_changing_a_future_answer_never_changes_an_earlier_prediction(table):
    model = create_model("karl", seed=0, **FAST)
    model.fit(table)
    cut = int(np.flatnonzero(table.learner == 7)[30])
    flipped = table.outcome.copy()
    flipped[cut:] = 1 - flipped[cut:]
    np.testing.assert_array_equal(
        model.predict_proba(table)[: cut + 1], model.predict_proba(replace(table, outcome=flipped))[: cut + 1]
    )


def test_batched_candidate_scoring_equals_predict_proba_on_appended_rows(table):
    model = create_model("karl", seed=0, **FAST)
    model.fit(table)
    learner = 5
    state = model.learner_state(table, learner)
    now = table.time[table.learner == learner].max() + 7200.0
    items = np.arange(table.n_items)
    outlook = model.candidate_predictions(state, items, now)
    asked_now = [model.predict_proba(with_question(table, learner, item, now))[-1] for item in items]
    np.testing.assert_allclose(outlook.predicted_recall, asked_now, rtol=1e-5)
    tomorrow = now + SECONDS_PER_DAY
    skipped = [model.predict_proba(with_question(table, learner, item, tomorrow))[-1] for item in items]
    np.testing.assert_allclose(outlook.recall_if_skipped_tomorrow, skipped, rtol=1e-5)

    answered = table.take(table.learner == learner)
    recalled = replace(
        answered,
        **{name: np.r_[getattr(answered, name), value] for name, value in
           {"learner": learner, "item": 9, "time": now, "outcome": 1, "grade": 3, "duration_ms": np.nan,
            "concept": 9}.items()},
    )
    after_recall = model.predict_proba(with_question(recalled, learner, 9, tomorrow))[-1]
    assert outlook.recall_if_correct_tomorrow[9] == pytest.approx(after_recall, rel=1e-5)


def _answered(table, learner, item, at_time, outcome):
    """The learner's rows plus an answer to ``item`` at ``at_time``."""
    own = table.take(table.learner == learner)
    extra = {"learner": learner, "item": item, "time": at_time, "outcome": outcome, "grade": 3 if outcome else 1,
             "duration_ms": np.nan, "concept": item}
    return replace(own, **{name: np.r_[getattr(own, name), value].astype(getattr(own, name).dtype) for name, value in extra.items()})


@pytest.mark.parametrize("with_embeddings", [True, False])
@pytest.mark.parametrize("studied_rows", [3, None])
def test_every_outlook_of_a_loaded_model_with_active_text_and_neighbours_equals_predict_proba(
    table, tmp_path, with_embeddings, studied_rows
):
    """The factored candidate pass (shared text, neighbour and learner terms) computes the network's own forward."""
    table = table if with_embeddings else replace(table, item_embeddings=None)
    model = create_model("karl", seed=0, **FAST)
    model.fit(table)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in model.network.parameters():  # every path active, not the warm start's zero head
            parameter.normal_(std=0.3, generator=generator)
    model.save(tmp_path / "karl.pt")
    model = StudentModel.load(tmp_path / "karl.pt")
    learner = 5
    history = table.take(np.flatnonzero(table.learner == learner)[:studied_rows])  # 3 rows: fewer cards than k
    now = history.time.max() + 7200.0
    tomorrow = now + SECONDS_PER_DAY
    items = np.arange(table.n_items)

    outlook = model.candidate_predictions(model.learner_state(history, learner), items, now)

    def last_prediction(rows):
        return model.predict_proba(rows)[-1]

    expected = {
        "predicted_recall": [last_prediction(with_question(history, learner, item, now)) for item in items],
        "recall_if_skipped_tomorrow": [last_prediction(with_question(history, learner, item, tomorrow)) for item in items],
        "recall_if_correct_tomorrow": [
            last_prediction(with_question(_answered(history, learner, item, now, 1), learner, item, tomorrow)) for item in items
        ],
        "recall_if_wrong_tomorrow": [
            last_prediction(with_question(_answered(history, learner, item, now, 0), learner, item, tomorrow)) for item in items
        ],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(getattr(outlook, name), values, rtol=1e-5, err_msg=name)
    assert np.ptp(outlook.predicted_recall) > 0.05  # the perturbed network tells the cards apart


def test_each_request_is_scored_with_the_embeddings_its_history_table_carries(table):
    """Serving passes every card's embedding (cards added after training too) in the table; the shared model is never changed."""
    model = create_model("karl", seed=0, **FAST)
    model.fit(table)
    # On this small log early stopping keeps the warm start, whose output layer is zero so
    # text and neighbours do not show in the predictions: give that layer weights.
    torch.nn.init.normal_(model.network.output.weight, std=1.0, generator=torch.Generator().manual_seed(0))
    trained = model.item_embeddings.copy()
    learner = 5
    now = table.time[table.learner == learner].max() + 7200.0
    items = np.arange(table.n_items)
    other = table.with_embeddings(concept_embeddings(table, seed=1))

    in_turn = [
        model.candidate_predictions(model.learner_state(history, learner), items, now).predicted_recall
        for history in (table, other, table)
    ]

    asked_with_other = [model.predict_proba(with_question(other, learner, item, now))[-1] for item in items]
    np.testing.assert_allclose(in_turn[1], asked_with_other, rtol=1e-5)
    assert np.abs(in_turn[1] - in_turn[0]).max() > 1e-3
    np.testing.assert_array_equal(in_turn[2], in_turn[0])
    np.testing.assert_array_equal(model.item_embeddings, trained)


def _saved_before_the_network_named_its_parts(network) -> dict:
    """The ``state_dict`` the network wrote while its layers read concatenations ([features, text], ...)."""
    state = network.state_dict()
    old = {name: value for name, value in state.items() if name.startswith(("linear.", "text."))}
    return old | {
        "query.weight": torch.cat([state["query_features.weight"], state["query_text.weight"]], dim=1),
        "query.bias": state["query_features.bias"],
        "head.1.weight": torch.cat([state["head_features.weight"], state["head_text.weight"], state["head_pooled.weight"]], dim=1),
        "head.1.bias": state["head_features.bias"],
        "head.4.weight": state["output.weight"],
        "head.4.bias": state["output.bias"],
        "neighbour.0.weight": torch.cat([state["neighbour_description.weight"], state["neighbour_similarity"][:, None]], dim=1),
        "neighbour.0.bias": state["neighbour_description.bias"],
    }


def test_a_model_saved_before_the_network_named_its_parts_loads_and_predicts_the_same(table, tmp_path):
    """A served KARL artifact from before the transfer term still loads, and predicts what it predicted."""
    model = create_model("karl", seed=0, **FAST)
    model.fit(table)
    generator = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for parameter in model.network.parameters():
            parameter.normal_(std=0.3, generator=generator)
        model.network.transfer_weight.zero_()  # the old network had no transfer term
    expected = model.predict_proba(table)
    model.save(tmp_path / "karl.pt")
    payload = torch.load(tmp_path / "karl.pt", weights_only=True)
    payload["state"]["network"] = _saved_before_the_network_named_its_parts(model.network)
    torch.save(payload, tmp_path / "old-karl.pt")

    loaded = StudentModel.load(tmp_path / "old-karl.pt")

    np.testing.assert_allclose(loaded.predict_proba(table), expected, rtol=1e-6)
    assert np.ptp(expected) > 0.05


def test_a_model_fitted_and_scored_a_few_rows_at_a_time_predicts_as_in_one_pass(table, monkeypatch):
    """The inputs standardised by chunks and the passes over every row read by chunks change no prediction."""
    train, test = table.take(table.learner < 12), table.take(table.learner >= 12)
    whole = create_model("karl", seed=0, **FAST)
    whole.fit(train)
    monkeypatch.setattr(karl_inputs, "CHUNK_ROWS", 7)
    chunked = create_model("karl", seed=0, **FAST)
    chunked.fit(train)
    np.testing.assert_allclose(chunked.predict_proba(test), whole.predict_proba(test), rtol=1e-5)
