"""Answering a card and getting the next one costs the same for a learner with 10 past answers as with 2,000.

The issue's target is a learner with 20,000 answers in a database of millions of logs
(bench/study_latency.py --logs --history measures it); what the suite can hold is that
nothing on the path grows with the learner's history: the same statements, and on
PostgreSQL no more rows of the study log read (the transaction's own counters in
``pg_stat_xact_user_tables``: a sequential scan counts every row of the table, an index
scan every row it fetches; the test's rows are fresh, so index-only scans fetch too).
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.cards.models import Card, Deck
from apps.experiments import running
from apps.study.models import CardState, StudyLog
from tests.conftest import _deck_with_cards

ANSWERS_URL = "/api/v1/answers"
FEW, MANY = 10, 2_000
DECK_CARDS = 40
SAVEPOINT_NAME = re.compile(r'"s\d+_x\d+"')


@pytest.fixture(autouse=True)
def experiments_remembered(monkeypatch):
    """However slow the machine, the deck's running experiment is still remembered by the measured request."""
    monkeypatch.setattr(running, "REMEMBER_SECONDS", 3600.0)


def _past_answers(learner, deck: Deck, count: int) -> None:
    """``count`` answers spread over the deck's cards, one every two hours up to a day ago, each card's state due now."""
    now = timezone.now()
    cards = list(Card.objects.filter(deck=deck).order_by("id"))
    first = now - timedelta(days=1, hours=2 * count)
    StudyLog.objects.bulk_create(
        StudyLog(
            log_uuid=uuid.uuid4(), learner=learner, card=cards[index % len(cards)], deck=deck,
            shown_at=first + timedelta(hours=2 * index, seconds=-4), answered_at=first + timedelta(hours=2 * index),
            response_ms=4000, outcome=index % 5 != 0, grade=1 if index % 5 == 0 else 3, policy="fsrs",
        )
        for index in range(count)
    )
    CardState.objects.bulk_create(
        CardState(
            learner=learner, card=card, deck=deck, state=CardState.State.REVIEW, stability=5.0, difficulty=5.0,
            due_at=now - timedelta(hours=1 + position), last_review_at=now - timedelta(days=1), first_studied_at=first,
            reps=count // len(cards), lapses=0,
        )
        for position, card in enumerate(cards)
    )


def _study_log_rows_read() -> int:
    """Rows of the study log this transaction has read so far (PostgreSQL's per-transaction statistics)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables WHERE relname = %s",
            [StudyLog._meta.db_table],
        )
        return int(cursor.fetchone()[0])


def _answer(api, post_json, shown: dict) -> dict:
    response = post_json(api, ANSWERS_URL, {
        "log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"], "grade": 3, "response_ms": 900,
    })
    assert response.status_code == 201
    return response.json()["next"]


def _measured_answer(learner, deck: Deck, api_client_for, post_json) -> tuple[list[str], int]:
    """The statements of the learner's second answer + next card (the first warms the kept caches), and the log rows it read."""
    api = api_client_for(learner)
    shown = api.get(reverse("api:next_card", kwargs={"deck_uuid": deck.uuid})).json()
    shown = _answer(api, post_json, shown)
    rows_before = _study_log_rows_read() if connection.vendor == "postgresql" else 0
    with CaptureQueriesContext(connection) as captured:
        following = _answer(api, post_json, shown)
    rows_read = _study_log_rows_read() - rows_before if connection.vendor == "postgresql" else 0
    assert following["card"] is not None
    return [query["sql"] for query in captured.captured_queries], rows_read


def _shape(statements: list[str]) -> list[str]:
    """Each statement's first words (what it does and to which table), without the savepoint names that differ between requests."""
    return [" ".join(SAVEPOINT_NAME.sub("savepoint", statement).split()[:4]) for statement in statements]


def test_an_answer_makes_the_same_queries_and_reads_no_more_logs_with_2000_past_answers_than_with_10(
    make_user, instructor, api_client_for, post_json
):
    deck = _deck_with_cards(instructor, title="Long history deck", visibility=Deck.Visibility.PUBLIC, count=DECK_CARDS)
    newcomer, veteran = make_user("ten-answers"), make_user("two-thousand-answers")
    _past_answers(newcomer, deck, FEW)
    _past_answers(veteran, deck, MANY)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum keeps them on a database in use

    few_statements, few_rows = _measured_answer(newcomer, deck, api_client_for, post_json)
    many_statements, many_rows = _measured_answer(veteran, deck, api_client_for, post_json)

    assert len(many_statements) == len(few_statements)
    assert _shape(many_statements) == _shape(few_statements)
    assert StudyLog.objects.filter(learner=veteran).count() == MANY + 2
    if connection.vendor == "postgresql":
        # Reading the veteran's whole history would be at least MANY rows; the path reads today's answers and single logs.
        assert many_rows < 50, f"the answer read {many_rows} study-log rows for a learner with {MANY} past answers"
        assert many_rows <= few_rows + 5
