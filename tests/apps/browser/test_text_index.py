"""The text index behind free-text search (``apps.cards.text_index``) follows every change to the cards' text.

A search that goes through the index finds only what the index holds, so each way a
card's text changes is searched for afterwards: a new card, a card from a bulk import,
an edit (the new text found, the old not), a deletion, and the triggers put back after a
migration dropped them.
"""

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.utils import timezone

from apps.browser.query_parser import parse_query
from apps.browser.search import SearchContext, card_search, search_condition
from apps.cards.models import Card
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
from apps.cards.services import card_create, card_delete, card_update, deck_create
from apps.cards.text_index import POSTGRESQL_INDEXES, TABLE, text_index_repair

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table and its triggers are SQLite's")


def fronts(query: str, viewer) -> set[str]:
    return {card.front for card in card_search(query, viewer=viewer)}


@pytest.fixture
def deck(owner):
    return deck_create(owner=owner, title="Words")


def test_a_new_card_is_found_by_its_front_and_back(owner, deck):
    card_create(deck=deck, front="Photosynthesis", back="light into sugar", tags=[])

    assert fronts("photosynth", owner) == {"Photosynthesis"}
    assert fronts("SUGAR light", owner) == {"Photosynthesis"}
    assert fronts("ligh*sugar", owner) == {"Photosynthesis"}
    assert fronts("photosynthesis sugar-free", owner) == set()


def test_an_edited_card_is_found_by_its_new_text_and_not_its_old(owner, deck):
    card = card_create(deck=deck, front="mitochondria", back="powerhouse", tags=[])
    card_update(card=card, front="ribosome", back="protein factory", tags=[])

    assert fronts("ribosome", owner) == {"ribosome"}
    assert fronts("factory", owner) == {"ribosome"}
    assert fronts("mitochondria", owner) == set()
    assert fronts("powerhouse", owner) == set()


def test_a_deleted_card_is_not_found(owner, deck):
    kept = card_create(deck=deck, front="kept card", back="stays", tags=[])
    card_delete(card=card_create(deck=deck, front="deleted card", back="goes", tags=[]))

    assert fronts("card", owner) == {kept.front}
    assert fronts("goes", owner) == set()


def test_cards_made_in_bulk_are_found(owner, deck):
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=f"bulk question {n}", back=f"answer {n * 7}", tags=[]) for n in range(30)])

    assert fronts('"question 12"', owner) == {"bulk question 12"}
    assert fronts("answer 84", owner) == {"bulk question 12"}


def test_a_quote_in_the_search_is_text(owner, deck):
    card_create(deck=deck, front='she said "hello there"', back="greeting", tags=[])
    card_create(deck=deck, front="hello there", back="no quotes", tags=[])

    assert fronts('\\"hello there\\"', owner) == {'she said "hello there"'}


@sqlite_only
def test_a_card_removed_from_the_table_leaves_the_index(owner, deck):
    card = card_create(deck=deck, front="ephemeral", back="gone soon", tags=[])

    assert _indexed("ephemeral") == [card.pk]
    Card.all_objects.filter(pk=card.pk).update(front="renamed")
    assert _indexed("ephemeral") == []
    assert _indexed("renamed") == [card.pk]
    Card.all_objects.filter(pk=card.pk).delete()
    assert _indexed("renamed") == []


@sqlite_only
def test_the_triggers_come_back_after_a_migration_dropped_them(owner, deck):
    """On SQLite, altering ``cards_card`` rebuilds the table and drops its triggers; ``migrate`` puts them back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cards_card'")
        triggers = [name for (name,) in cursor.fetchall()]
        assert triggers
        for name in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
    card_create(deck=deck, front="written while the triggers were gone", back="", tags=[])
    assert fronts("triggers", owner) == set()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert fronts("triggers", owner) == {"written while the triggers were gone"}
    assert text_index_repair(connection) is False  # in step: nothing more to do
    card_create(deck=deck, front="written after the repair", back="", tags=[])
    assert fronts("written", owner) == {"written while the triggers were gone", "written after the repair"}


def test_the_index_can_answer_a_free_text_search(owner, deck):
    """The text condition the search compiles can be answered by the index (alone: a table this small is read by any other index)."""
    card_create(deck=deck, front="indexed words", back="", tags=[])
    condition = search_condition(parse_query("indexed words"), SearchContext(viewer=owner, now=timezone.now()))
    cards = Card.all_objects.filter(condition).order_by().values("id")
    assert [card["id"] for card in cards] == [card.pk for card in card_search("indexed words", viewer=owner)]
    sql, params = cards.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is read whole whenever it may be
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert all(index in plan for index in POSTGRESQL_INDEXES), plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[3] for row in cursor.fetchall())
            assert f"{TABLE} VIRTUAL TABLE" in plan, plan


def _indexed(text: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [f'"{text}"'])
        return [rowid for (rowid,) in cursor.fetchall()]
