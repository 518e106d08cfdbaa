"""CAKT: the vectorised learning-curve volumes equal a plain loop, and nothing leaks from the future."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import StudentModel, create_model
from knowledge_tracing.models.cakt import CAKTNetwork, gather_volumes, previous_same_concept
from knowledge_tracing.models.sequences import iterate_batches

FAST = {"frame_size": 3, "batch_size": 6, "max_epochs": 2, "learning_rate": 1e-2, "conv_chunk": 16}


def _naive_volumes(concept, mask, embeddings, frames, rate):
    """The reference implementation's loop, for the asked step's concept: one volume per real step."""
    batch, steps = concept.shape
    hidden = embeddings.shape[-1]
    volumes = {}
    for b in range(batch):
        for t in range(steps):
            if not mask[b, t]:
                continue
            earlier = [j for j in range(t) if concept[b, j] == concept[b, t]][-frames:]
            volume = torch.zeros(frames, hidden)
            for slot, j in enumerate(earlier, start=frames - len(earlier)):
                volume[slot] = embeddings[b, j] * np.exp(-rate * (t - j))
            volumes[(b, t)] = volume
    return volumes


def test_vectorised_volumes_equal_a_plain_loop():
    generator = torch.Generator().manual_seed(0)
    concept = torch.randint(0, 3, (3, 9), generator=generator)
    mask = torch.arange(9)[None, :] < torch.tensor([9, 5, 1])[:, None]
    embeddings = torch.randn(3, 9, 4, generator=generator)
    frames, rate = 3, 0.4

    earlier = previous_same_concept(concept, mask, frames)
    flat = torch.cat([embeddings.reshape(-1, 4), torch.zeros(1, 4)])
    targets = torch.arange(27)
    volumes = gather_volumes(flat, earlier, targets, torch.tensor(rate), 2).reshape(27, frames, 4)

    expected = _naive_volumes(concept, mask, embeddings, frames, rate)
    for (b, t), volume in expected.items():
        torch.testing.assert_close(volumes[b * 9 + t], volume)
    assert (earlier[~mask.reshape(-1)] == -1).all()


@pytest.fixture(scope="module")
def study_log():
    torch.set_num_threads(1)
    return generate_study_log(n_learners=12, n_logs=600, seed=4)


BEYOND_THE_PAPER = [
    {},
    {"history_embedding": True},
    {"history_head": True},
]


@pytest.mark.parametrize("options", BEYOND_THE_PAPER)
def test_a_later_answer_never_changes_an_earlier_prediction(study_log, options):
    torch.manual_seed(0)
    network = CAKTNetwork(representation="id", n_concepts=6, text_dim=0, frames=4, frame_size=3, conv_chunk=16, **options).eval()
    batch = next(iterate_batches(study_log, 4))
    changed = next(iterate_batches(study_log, 4))
    changed.outcome[:, 7] = 1 - changed.outcome[:, 7]
    with torch.no_grad():
        before, after = network(batch), network(changed)
    torch.testing.assert_close(before[:, :8], after[:, :8])
    assert not torch.allclose(before[:, 8:][batch.mask[:, 8:]], after[:, 8:][batch.mask[:, 8:]])


def test_text_representation_predicts_unseen_concepts_from_their_text(study_log):
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(study_log.n_items, 8)).astype(np.float32)
    table = study_log.with_embeddings(embeddings)
    held_out = table.concept == 5
    model = create_model("cakt", item_representation="text", seed=0, **FAST)
    model.fit(table.take(~held_out))

    predicted = model.predict_proba(table)
    assert np.isfinite(predicted[held_out]).all()
    other_text = table.with_embeddings(embeddings + rng.normal(size=embeddings.shape).astype(np.float32))
    assert not np.allclose(model.predict_proba(other_text)[held_out], predicted[held_out])


def test_id_representation_shares_one_vector_among_unseen_concepts(study_log):
    model = create_model("cakt", seed=0, **FAST)
    model.fit(study_log.take(study_log.concept < 4))
    readout = model.network.readout.rows
    unseen = readout.known_concepts(torch.tensor([4, 5, 9]))
    assert unseen.tolist() == [4, 4, 4]


def _embedding_gradient(network, batch, *, through: str) -> float:
    """Norm of the loss gradient reaching the interaction embeddings through one view only."""
    network.zero_grad()
    interactions = network.interactions(batch)
    frozen = interactions.detach()
    history_input, curve_input = (interactions, frozen) if through == "history" else (frozen, interactions)
    logits = network.fused_logits(network.history_states(history_input), curve_input, batch)
    torch.nn.functional.binary_cross_entropy_with_logits(logits[batch.mask], batch.outcome[batch.mask].float()).backward()
    return float(network.interactions.per_answer.table.weight.grad.norm())


def test_at_the_start_the_conv_tower_does_not_drown_the_history_view_in_the_shared_embeddings():
    """The batch-normalised tower's gradient grows as 1/embedding scale; with small rows it was 40x the history's."""
    table = generate_study_log(seed=3, n_learners=40, n_items=30, n_logs=1500)
    torch.manual_seed(0)
    network = CAKTNetwork(representation="id", n_concepts=int(table.concept.max()) + 1, text_dim=0, frames=4, frame_size=15, conv_chunk=4096)
    network.train()
    batch = next(iterate_batches(table, 40, max_length=200, rng=np.random.default_rng(0)))
    ratio = _embedding_gradient(network, batch, through="curve") / _embedding_gradient(network, batch, through="history")
    assert ratio < 10


@pytest.mark.parametrize("where", ["dropout"])
def test_dropout_acts_in_training_only(where):
    table = generate_study_log(n_learners=4, n_logs=120, seed=6)
    network = CAKTNetwork(
        representation="id", n_concepts=int(table.concept.max()) + 1, text_dim=0, frames=4, frame_size=3, conv_chunk=16, **{where: 0.5}
    )
    batch = next(iterate_batches(table, 4))
    network.train()
    assert not torch.equal(network(batch), network(batch))
    network.eval()
    assert torch.equal(network(batch), network(batch))


@pytest.mark.parametrize("options", BEYOND_THE_PAPER[1:])
def test_settings_beyond_the_paper_train_save_and_load(study_log, options, tmp_path):
    model = create_model("cakt", seed=0, **FAST, **options)
    report = model.fit(study_log)
    assert report.epochs[-1]["loss"] < report.epochs[0]["loss"]
    model.save(tmp_path / "cakt.pt")
    loaded = StudentModel.load(tmp_path / "cakt.pt")
    np.testing.assert_array_equal(loaded.predict_proba(study_log), model.predict_proba(study_log))


def test_history_head_learns_to_predict_alone_and_the_model_predicts_with_the_mean_logit(study_log):
    """Each head has its own loss, so the history head is a predictor in its own right, not a residual."""
    model = create_model("cakt", seed=0, **{**FAST, "max_epochs": 6}, history_head=True)
    model.fit(study_log)
    network = model.network.eval()
    batch = next(iterate_batches(study_log, len(study_log)))
    with torch.no_grad():
        fused, history = network.head_logits(batch)
        combined = network(batch)
    torch.testing.assert_close(combined, (fused + history) / 2)
    answers = batch.outcome[batch.mask].numpy()
    assert roc_auc_score(answers, history[batch.mask].numpy()) > 0.65
    assert roc_auc_score(answers, fused[batch.mask].numpy()) > 0.6


def test_training_averages_the_heads_cross_entropies(study_log):
    torch.manual_seed(0)
    model = create_model("cakt", seed=0, **FAST, history_head=True)
    model.network = model._build_network(6, 0).eval()
    batch = next(iterate_batches(study_log, 4))
    heads = model._training_logits(batch)
    rows = batch.mask
    expected = sum(
        torch.nn.functional.binary_cross_entropy_with_logits(logits[rows], batch.outcome[rows].float()) for logits in heads
    ) / 2
    optimizer = torch.optim.SGD(model.network.parameters(), lr=0.0)
    loss, n_rows = model._train_step(batch, optimizer)
    assert len(heads) == 2 and n_rows == int(rows.sum())
    assert loss == pytest.approx(expected.item(), rel=1e-6)


def test_history_embedding_gives_the_history_lstm_dkt_scale_vectors_of_its_own():
    """The tower keeps the unit-variance embedding; the history LSTM reads small vectors, as DKT's does."""
    torch.manual_seed(0)
    network = CAKTNetwork(representation="id", n_concepts=50, text_dim=0, frames=4, frame_size=5, conv_chunk=16, history_embedding=True)
    tower_std = network.interactions.per_answer.table.weight.std().item()
    history_std = network.history_interactions.per_answer.table.weight.std().item()
    assert tower_std == pytest.approx(1.0, rel=0.05)
    assert history_std == pytest.approx((2 * 5 * 5) ** -0.5, rel=0.05)  # ConceptVectors' default: one over root width
    assert CAKTNetwork(representation="id", n_concepts=50, text_dim=0, frames=4, frame_size=5, conv_chunk=16).history_interactions is None
