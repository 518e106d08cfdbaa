"""A search's queries stop at their time limit, on SQLite and on PostgreSQL, and the page says so instead of hanging."""

import pytest
from django.db import connection
from django.urls import reverse

from apps.browser import time_limit
from apps.browser.time_limit import SearchTooSlow, search_time_limit
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
from apps.cards.services import deck_create

pytestmark = pytest.mark.django_db

ENDLESS_COUNT = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM (SELECT x FROM n LIMIT 100000000) AS counted"


def test_a_query_past_the_limit_is_stopped_and_the_connection_works_after():
    with pytest.raises(SearchTooSlow):
        with search_time_limit(0.05):
            with connection.cursor() as cursor:
                cursor.execute(ENDLESS_COUNT)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT 1 UNION ALL SELECT 2) AS two")
        assert cursor.fetchone() == (2,)


def test_queries_within_the_limit_run_as_usual():
    with search_time_limit(5):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 + 1")
            assert cursor.fetchone() == (2,)


def test_the_page_says_a_search_took_too_long(owner, web_client_for, monkeypatch):
    """3,000 cards and ten wildcard terms take PostgreSQL more than its 1 ms; SQLite looks at the clock at every step."""
    deck = deck_create(owner=owner, title="Slow")
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=f"front {index}", back=f"back {index}", tags=["t"]) for index in range(3000)])
    monkeypatch.setattr(time_limit, "SEARCH_TIME_LIMIT_S", 0.001)
    monkeypatch.setattr(time_limit, "SQLITE_CHECK_EVERY", 1)
    response = web_client_for(owner).get(reverse("browser:browse"), {"q": " or ".join(f"*{digit}*{digit}*" for digit in range(10)), "sort": "sort_field"})
    assert response.status_code == 400
    assert "took longer than" in response.content.decode() and "was stopped" in response.content.decode()
