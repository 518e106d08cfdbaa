"""The learner's model state kept between requests gives the predictions of a rebuild from the whole log."""

import uuid
from datetime import timedelta

import numpy as np
import pytest
import torch
from django.utils import timezone

from apps.study import learner_states
from apps.study.candidate_predictions import candidates_with_predictions, table_with_local_ids
from apps.study.models import StudyLog
from apps.study.presets import deck_preset
from apps.study.selectors import study_candidates
from apps.study.services import shown_card_choose_next, study_log_record, study_log_undo_last, study_session_start
from apps.study.student_model import ServedModel
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import StudentModel, create_model
from knowledge_tracing.policies.predictions import predict_candidates

EMBEDDING_DIMENSION = 8


def card_embeddings(card_ids, encoder: int = 0) -> np.ndarray:
    """A fixed unit vector per card id and ``encoder``, standing in for the card's text embedding."""
    vectors = np.stack([np.random.default_rng([encoder, card_id]).normal(size=EMBEDDING_DIMENSION) for card_id in card_ids])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def table_builder(encoder: int):
    """A version's table builder: local card ids, and the embeddings of that version's encoder."""

    def build(rows, extra_card_ids):
        table = table_with_local_ids(rows, extra_card_ids)
        return table.with_embeddings(card_embeddings(table.item_keys, encoder))

    return build


@pytest.fixture(scope="module")
def karl_models(tmp_path_factory):
    """Two KARL versions fitted with text, every weight perturbed (so text and neighbours count), as loaded for serving."""
    log = generate_study_log(n_learners=6, n_items=20, n_logs=400, seed=2)
    log = log.with_embeddings(card_embeddings(range(log.n_items)))
    loaded = []
    for seed in (0, 1):
        model = create_model("karl", seed=seed, max_epochs=2, c_grid=(0.1,))
        model.fit(log)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for parameter in model.network.parameters():
                parameter.normal_(std=0.3, generator=generator)
        path = tmp_path_factory.mktemp("karl") / f"karl-{seed}.pt"
        model.save(path)
        loaded.append(StudentModel.load(path))
    return loaded


@pytest.fixture(autouse=True)
def no_kept_states():
    learner_states.learner_states_forget()
    yield
    learner_states.learner_states_forget()


def _served(model, version, encoder=0):
    return ServedModel(version=version, model=model, table_builder=table_builder(encoder))


def _answer(learner, deck, *, now, grade, session=None):
    shown = shown_card_choose_next(learner=learner, deck=deck, session=session, policy_name="fsrs", now=now)
    study_log_record(
        learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=1200 + 100 * grade,
        shown_uuid=shown.uuid, now=now,
    )


def _candidates(learner, deck, now):
    return study_candidates(learner=learner, deck=deck, preset=deck_preset(deck), now=now)


def _rebuilt_from_the_whole_log(learner, deck, served, candidates, now):
    """The predictions of a request that reads every live log and keeps nothing."""
    rows = list(StudyLog.objects.live().filter(learner=learner, deck=deck).order_by("answered_at", "id").values_list(*STUDY_ROW_COLUMNS))
    card_ids = [int(card_id) for card_id in candidates.card_ids]
    history = served.table_builder(rows, card_ids)
    items = np.searchsorted(np.asarray(history.item_keys), card_ids)
    return predict_candidates(served.model, history, items, now=now.timestamp()).attach_to(candidates)


def _assert_same_predictions(kept, rebuilt):
    for name in ("predicted_recall", "recall_if_correct_tomorrow", "recall_if_wrong_tomorrow", "recall_if_skipped_tomorrow"):
        np.testing.assert_allclose(getattr(kept, name), getattr(rebuilt, name), rtol=1e-6, err_msg=name)


def test_the_kept_state_follows_answers_with_one_query_and_predicts_as_a_rebuild(owner, private_deck, karl_models, django_assert_num_queries):
    served = _served(karl_models[0], "karl-1")
    start = timezone.now() - timedelta(hours=3)
    for index in range(8):
        now = start + timedelta(minutes=7 * index)
        _answer(owner, private_deck, now=now, grade=1 if index % 3 == 0 else 3)
        candidates = _candidates(owner, private_deck, now)
        if index == 0:
            kept = candidates_with_predictions(candidates, learner=owner, deck=private_deck, served=served, now=now)
        else:
            with django_assert_num_queries(1):  # the logs since the last request, not the whole history
                kept = candidates_with_predictions(candidates, learner=owner, deck=private_deck, served=served, now=now)
        _assert_same_predictions(kept, _rebuilt_from_the_whole_log(owner, private_deck, served, candidates, now))
    assert np.ptp(kept.predicted_recall) > 0.01  # the cards are told apart, so equality means something


def test_a_new_model_version_or_a_reloaded_model_is_not_served_an_old_state(owner, private_deck, karl_models):
    now = timezone.now()
    for index in range(3):
        _answer(owner, private_deck, now=now - timedelta(minutes=10 * (3 - index)), grade=3)
    candidates = _candidates(owner, private_deck, now)
    first = candidates_with_predictions(candidates, learner=owner, deck=private_deck, served=_served(karl_models[0], "karl-1"), now=now)

    # The new version reads other embeddings: a state kept for the old one would carry the old ones.
    for served in (_served(karl_models[1], "karl-2", encoder=1), _served(karl_models[1], "karl-1", encoder=1)):
        predicted = candidates_with_predictions(candidates, learner=owner, deck=private_deck, served=served, now=now)
        _assert_same_predictions(predicted, _rebuilt_from_the_whole_log(owner, private_deck, served, candidates, now))
        assert np.abs(predicted.predicted_recall - first.predicted_recall).max() > 1e-3


def test_an_undone_answer_leaves_the_kept_state(owner, private_deck, karl_models):
    served = _served(karl_models[0], "karl-1")
    session = study_session_start(learner=owner, deck=private_deck, now=timezone.now() - timedelta(hours=1))
    start = timezone.now() - timedelta(minutes=50)
    for index in range(4):
        _answer(owner, private_deck, now=start + timedelta(minutes=5 * index), grade=3 - 2 * (index % 2), session=session)
    now = start + timedelta(minutes=30)
    candidates = _candidates(owner, private_deck, now)
    candidates_with_predictions(candidates, learner=owner, deck=private_deck, served=served, now=now)

    study_log_undo_last(session=session, now=now)
    after_undo = candidates_with_predictions(candidates, learner=owner, deck=private_deck, served=served, now=now)

    _assert_same_predictions(after_undo, _rebuilt_from_the_whole_log(owner, private_deck, served, candidates, now))
