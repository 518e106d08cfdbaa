"""A small, deterministic, generated study log for tests, demos and benchmarks.

Simulated learners study cards grouped into concepts over days, in sessions. Recall
depends on what a history-aware model can learn: the learner's ability, the card's
difficulty, practice on the card's concept (learning transfers within a concept) and
the card's own memory, which decays with time since its last review and is
strengthened by successful reviews (forgetting and spacing). Every card has text
naming its concept, so content-aware models have something to embed.
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.data.table import StudyLogTable

START_SECONDS = 1_704_067_200.0  # 2024-01-01T00:00:00Z
SECONDS_PER_DAY = 86_400.0
SESSION_GAP_DAYS = np.array([0.15, 1.0, 2.0, 4.0, 9.0])
SESSION_GAP_CUMULATIVE = np.cumsum([0.25, 0.3, 0.2, 0.15, 0.1])
TOPICS = (
    "fractions",
    "photosynthesis",
    "French verbs",
    "world capitals",
    "cell biology",
    "Roman history",
    "chemical bonds",
    "probability",
    "Spanish nouns",
    "plate tectonics",
)


def generate_study_log(
    *,
    n_learners: int = 24,
    n_items: int = 60,
    n_logs: int = 2_400,
    n_concepts: int = 6,
    seed: int = 0,
) -> StudyLogTable:
    """About ``n_logs`` answers (``n_logs // n_learners`` per learner), reproducible for a seed."""
    if min(n_learners, n_items, n_concepts) < 1 or n_logs < n_learners:
        raise ValueError("need at least one learner, item and concept, and one log per learner")
    rng = np.random.default_rng(seed)
    item_concept = np.arange(n_items) % n_concepts
    item_difficulty = rng.normal(0.0, 0.8, n_items)
    columns = {name: [] for name in ("learner", "item", "time", "outcome", "grade", "duration_ms")}
    for learner in range(n_learners):
        _simulate_learner(rng, learner, n_logs // n_learners, item_concept, item_difficulty, n_concepts, columns)
    return StudyLogTable.from_columns(
        **columns,
        concept=item_concept[np.asarray(columns["item"], dtype=np.int64)],
        learner_keys=[f"learner-{learner:04d}" for learner in range(n_learners)],
        item_keys=[f"card-{item:05d}" for item in range(n_items)],
        item_text=[_card_text(item, item_concept[item]) for item in range(n_items)],
    )


def _card_text(item: int, concept: int) -> str:
    topic = TOPICS[concept] if concept < len(TOPICS) else f"topic {concept}"
    return f"{topic}: question {item}"


def _simulate_learner(rng, learner, n_answers, item_concept, item_difficulty, n_concepts, columns) -> None:
    """One learner's sessions: review the weakest cards already seen, or meet new ones."""
    n_items = len(item_concept)
    ability = rng.normal(0.0, 0.6)
    concept_practice = np.zeros(n_concepts)
    stability_days = np.zeros(n_items)
    last_seen = np.full(n_items, np.nan)
    unseen = list(rng.permutation(n_items))
    review_noise = rng.uniform(0, 0.25, n_items)
    moment = START_SECONDS + rng.uniform(0, SECONDS_PER_DAY)
    answers_left_in_session = 0
    draws = rng.random((n_answers, 6))
    for step in range(n_answers):
        new_session, session_length, pause, pick_new, answer, grade_draw = draws[step]
        if answers_left_in_session == 0:
            gap_days = SESSION_GAP_DAYS[np.searchsorted(SESSION_GAP_CUMULATIVE, new_session)]
            moment += gap_days * SECONDS_PER_DAY * (0.8 + 0.4 * pause)
            answers_left_in_session = 5 + int(session_length * 20)
        answers_left_in_session -= 1
        moment += 15 + 75 * pause
        seen = np.flatnonzero(~np.isnan(last_seen))
        if unseen and (len(seen) == 0 or pick_new < 0.3):
            item = int(unseen.pop())
            recall_memory = 0.0
        else:
            elapsed_days = (moment - last_seen[seen]) / SECONDS_PER_DAY
            memory = (1.0 + elapsed_days / (9.0 * stability_days[seen])) ** -1.0
            weakest = int(np.argmin(memory + review_noise[seen]))
            item = int(seen[weakest])
            recall_memory = float(memory[weakest])
            review_noise[item] = rng.uniform(0, 0.25)
        concept = item_concept[item]
        knowledge = 1.0 / (1.0 + np.exp(-(ability - item_difficulty[item] + 0.5 * concept_practice[concept] - 1.0)))
        recall = knowledge + (1.0 - knowledge) * 0.95 * recall_memory
        outcome = int(answer < recall)
        if np.isnan(last_seen[item]):
            stability_days[item] = 1.5 if outcome else 0.3
        elif outcome:
            stability_days[item] *= 2.0 + 2.0 * (1.0 - recall_memory)
        else:
            stability_days[item] = max(0.2, stability_days[item] * 0.4)
        concept_practice[concept] = min(concept_practice[concept] + (0.35 if outcome else 0.2), 4.0)
        last_seen[item] = moment
        grade = 1 if not outcome else 2 + int(grade_draw > 0.15) + int(grade_draw > 0.85)
        columns["learner"].append(learner)
        columns["item"].append(item)
        columns["time"].append(moment)
        columns["outcome"].append(outcome)
        columns["grade"].append(grade)
        columns["duration_ms"].append(float(np.exp((8.0 if outcome else 8.6) + 0.4 * (grade_draw - 0.5))))
