"""Time to choose a learner's next card: 2,000 candidates, 5,000 past reviews, a fitted model.

The scheduler's hot path, as the web application runs it: the learner's features are
kept incrementally (``LearnerState``, updated with ``record`` after each answer, never
re-read from the log), card embeddings are computed once and cached, and every
candidate is scored in one batched pass (``model.candidate_predictions``: the four
predictions of the delta policy), then the delta policy chooses. For comparison, the
same candidates are also scored one card at a time, as a system that runs its model
per card must (the published KARL system sampled 150 candidates per request because
it ran BERT per card).

    .venv/bin/python bench/next_card_latency.py [--model karl] [--requests 200] [--threads 1]

Wall-clock times depend on what else the shared CPU runs, so the CPU time of the
timed thread and the load average are printed too. Prints the figures; the last
line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

import _project_root  # noqa: F401  (the project root on sys.path)
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model
from knowledge_tracing.models.incremental import CandidatePredictions
from knowledge_tracing.policies import Candidates, create_policy

EMBEDDING_DIMENSION = 384  # all-MiniLM-L6-v2; the vectors' content does not change the timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="karl")
    parser.add_argument("--cards", type=int, default=2_000)
    parser.add_argument("--reviews", type=int, default=5_000, help="past reviews of the timed learner")
    parser.add_argument("--learners", type=int, default=3, help="learners in the training log")
    parser.add_argument("--requests", type=int, default=200, help="timed batched requests")
    parser.add_argument("--one-at-a-time-requests", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (one is faster for these small batches)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    table = generate_study_log(
        n_learners=args.learners, n_items=args.cards, n_logs=args.reviews * args.learners, seed=args.seed
    )
    vectors = np.random.default_rng(args.seed).normal(size=(args.cards, EMBEDDING_DIMENSION))
    table = table.with_embeddings(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    model = create_model(args.model, seed=args.seed)
    started = time.perf_counter()
    model.fit(table)
    fit_seconds = time.perf_counter() - started

    learner = 0
    own = table.take(table.learner == learner)
    started = time.perf_counter()
    state = model.learner_state(table, learner)
    state_seconds = time.perf_counter() - started
    items = np.arange(args.cards)
    last_answered_at = np.full(args.cards, np.nan)
    last_answered_at[own.item] = own.time  # rows are in time order: the last write is the latest answer
    policy = create_policy("delta")
    rng = np.random.default_rng(args.seed)
    now = float(own.time.max()) + 3_600.0

    def choose(score):
        candidates = Candidates(
            card_ids=items,
            is_new=np.isnan(last_answered_at),
            due_at=np.full(args.cards, np.nan),
            last_answered_at=last_answered_at,
        )
        return policy.choose(score(now).attach_to(candidates), now=now, rng=rng)

    def batched(at):
        return model.candidate_predictions(state, items, at)

    def one_at_a_time(at):
        each = [model.candidate_predictions(state, items[index : index + 1], at) for index in items]
        return CandidatePredictions(**{name: np.concatenate([vars(one)[name] for one in each]) for name in vars(each[0])})

    load_before = os.getloadavg()[0]
    batched_ms, batched_cpu_ms, record_ms = [], [], []
    for _ in range(args.requests):
        started, started_cpu = time.perf_counter(), time.thread_time()
        decision = choose(batched)
        batched_ms.append(1000 * (time.perf_counter() - started))
        batched_cpu_ms.append(1000 * (time.thread_time() - started_cpu))
        card = int(decision.card_id)
        started = time.perf_counter()
        state.record(card, now, int(rng.random() < decision.predicted_recall), 0, 9_000.0)
        record_ms.append(1000 * (time.perf_counter() - started))
        last_answered_at[card] = now
        now += 12.0
    single_ms = []
    for _ in range(args.one_at_a_time_requests):
        started = time.perf_counter()
        choose(one_at_a_time)
        single_ms.append(1000 * (time.perf_counter() - started))

    figures = {
        "benchmark": "next_card_latency",
        "model": args.model,
        "cards": args.cards,
        "past_reviews": len(own),
        "requests": args.requests,
        "fit_seconds": round(fit_seconds, 2),
        "learner_state_from_log_ms": round(1000 * state_seconds, 1),
        "batched_p50_ms": round(float(np.percentile(batched_ms, 50)), 2),
        "batched_p95_ms": round(float(np.percentile(batched_ms, 95)), 2),
        "batched_cpu_p50_ms": round(float(np.percentile(batched_cpu_ms, 50)), 2),
        "batched_cpu_p95_ms": round(float(np.percentile(batched_cpu_ms, 95)), 2),
        "record_answer_p50_ms": round(float(np.percentile(record_ms, 50)), 3),
        "one_at_a_time_p50_ms": round(float(np.percentile(single_ms, 50)), 1),
        "one_at_a_time_requests": args.one_at_a_time_requests,
        "threads": torch.get_num_threads(),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    figures["speedup_p50"] = round(figures["one_at_a_time_p50_ms"] / figures["batched_p50_ms"], 1)
    print(f"model {args.model}: {args.cards} candidates, {len(own)} past reviews (fit {fit_seconds:.1f} s)")
    print(f"  batched, one pass:   p50 {figures['batched_p50_ms']} ms, p95 {figures['batched_p95_ms']} ms")
    print(f"    its CPU time:      p50 {figures['batched_cpu_p50_ms']} ms, p95 {figures['batched_cpu_p95_ms']} ms")
    print(f"  one card at a time:  p50 {figures['one_at_a_time_p50_ms']} ms ({figures['speedup_p50']}x slower)")
    print(f"  recording an answer: p50 {figures['record_answer_p50_ms']} ms")
    print(f"  load average (1 min) before / after the timed requests: {figures['load_average_1min']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
