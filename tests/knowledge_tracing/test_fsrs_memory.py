"""The vectorised FSRS-6 replay agrees with the ``fsrs`` package's Scheduler review for review.

The package is the authority for scheduling state (``history/fsrs_memory.py`` says
why); the replay is held equal to it on generated reviews and on a real review log.
"""

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from fsrs import Card, Rating, Scheduler

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, forgetting_curve, replay_memory_states

START = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
REAL_REVLOG = Path(__file__).resolve().parents[2] / "../shared/data/revlogs/anki_josh_2024.csv"


def _random_reviews(rng, n_cards=6, reviews_per_card=9):
    """Interleaved reviews of several cards: same-day steps and multi-day gaps, all four grades."""
    rows = []
    for card in range(n_cards):
        moment = START + timedelta(minutes=int(rng.integers(0, 600)))
        for _ in range(reviews_per_card):
            rows.append((card, moment, int(rng.integers(1, 5))))
            gap_hours = rng.choice([0.1, 3.0, 23.9, 24.0, 50.0, 24.0 * rng.integers(2, 40)])
            moment = moment + timedelta(hours=float(gap_hours))
    rows.sort(key=lambda row: row[1])
    return rows


def _scheduler_states(rows, parameters):
    """S, D and R before each review, from the reference implementation."""
    scheduler = Scheduler(parameters=parameters, enable_fuzzing=False)
    cards: dict[int, Card] = {}
    expected = []
    for card_id, moment, grade in rows:
        card = cards.get(card_id, Card(card_id=card_id))
        if card.stability is None:
            expected.append((np.nan, np.nan, np.nan))
        else:
            retrievability = scheduler.get_card_retrievability(card, current_datetime=moment)
            expected.append((card.stability, card.difficulty, retrievability))
        cards[card_id], _ = scheduler.review_card(card, Rating(grade), review_datetime=moment)
    return np.array(expected)


def _table(rows):
    return StudyLogTable.from_columns(
        learner=np.zeros(len(rows)),
        item=[card for card, _, _ in rows],
        time=[moment.timestamp() for _, moment, _ in rows],
        outcome=[grade > 1 for _, _, grade in rows],
        grade=[grade for _, _, grade in rows],
    )


@pytest.mark.parametrize(
    "parameters",
    [DEFAULT_FSRS6_PARAMETERS, tuple(np.r_[DEFAULT_FSRS6_PARAMETERS[:20], 0.45])],
    ids=["default", "slower-decay"],
)
def test_replay_matches_the_fsrs_scheduler(parameters):
    rows = _random_reviews(np.random.default_rng(7))
    states = replay_memory_states(_table(rows), parameters)
    expected = _scheduler_states(rows, parameters)
    actual = np.column_stack([states.stability, states.difficulty, states.retrievability])
    np.testing.assert_allclose(actual, expected, rtol=1e-9, equal_nan=True)


def test_replay_matches_the_fsrs_scheduler_on_a_real_review_log():
    """12,580 Anki reviews of 1,205 cards by one learner over six months (``../shared/data/revlogs``)."""
    with REAL_REVLOG.open(newline="") as handle:
        reviews = list(csv.DictReader(handle))
    dense_card = {card_id: index for index, card_id in enumerate(dict.fromkeys(review["card_id"] for review in reviews))}
    rows = sorted(
        ((dense_card[review["card_id"]], datetime.fromisoformat(review["review_time"]), int(review["review_rating"])) for review in reviews),
        key=lambda row: row[1],
    )
    assert len(rows) == 12_580
    states = replay_memory_states(_table(rows))
    expected = _scheduler_states(rows, DEFAULT_FSRS6_PARAMETERS)
    actual = np.column_stack([states.stability, states.difficulty, states.retrievability])
    np.testing.assert_allclose(actual, expected, rtol=1e-9, equal_nan=True)


def test_first_review_of_each_pair_has_no_state_and_counts_are_ranks():
    table = StudyLogTable.from_columns(
        learner=[0, 0, 0, 1, 1], item=[0, 1, 0, 0, 0], time=[0, 10, 90_000, 5, 6], outcome=[1, 0, 1, 1, 1]
    )
    states = replay_memory_states(table)
    np.testing.assert_array_equal(states.review_count, [0, 0, 1, 0, 1])
    assert np.isnan(states.stability[[0, 1, 3]]).all()
    assert states.elapsed_days[2] == 1.0 and states.elapsed_days[4] == 0.0
    assert states.retrievability[4] == 1.0


def test_forgetting_curve_is_ninety_percent_at_the_stability():
    assert forgetting_curve(12.5, 12.5, 0.1542) == pytest.approx(0.9)
    assert forgetting_curve(12.5, 12.5, 0.5) == pytest.approx(0.9)


def test_wrong_number_of_parameters_is_refused():
    with pytest.raises(ValueError, match="21 parameters"):
        replay_memory_states(_table(_random_reviews(np.random.default_rng(0), 1, 2)), (0.4,) * 19)
