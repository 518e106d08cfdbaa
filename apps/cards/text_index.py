"""An index of the cards' front and back for the browser's free-text search: "contains this, case ignored".

Anki's free-text words are substrings anywhere in the text, which no ordinary b-tree
index serves: without this index every search reads every card's text. Each database
gets its own kind of trigram index, and the search itself stays the exact ``LIKE`` on
``front`` and ``back`` (``apps.browser.patterns.TextLike``), so what a search finds does
not depend on the index:

- SQLite: an FTS5 table with the ``trigram`` tokenizer over ``cards_card`` (external
  content: it keeps only the index, the text stays in the cards), kept in step by
  triggers on insert, update of the text and delete, so every way of writing a card
  (``save``, ``update``, ``bulk_create``, an import) keeps it. ``text_index_candidates``
  turns it into ``id IN (cards whose text may contain ...)`` in front of the ``LIKE``;
  the trigram tokenizer folds case for every alphabet, ``LIKE`` for ASCII only, so the
  candidates always include every match.
- PostgreSQL: ``pg_trgm`` GIN indexes on ``UPPER(front)`` and ``UPPER(back)``, the
  expressions Django's case-insensitive ``LIKE`` compares, so the planner uses them for
  the ``LIKE`` itself and no candidates are needed.

On SQLite, Django alters a table by copying it into a new one and dropping the old, which
drops the triggers; ``text_index_repair`` (run after every ``migrate``) puts them back and
rebuilds the index when they are missing.
"""

from collections.abc import Sequence

from django.db.models import Q
from django.db.models.expressions import RawSQL

TABLE = "cards_card_text"
INDEXED_CHARS = 3  # the trigram index finds only runs of at least three characters
POSTGRESQL_INDEXES = {"card_front_trgm_idx": "front", "card_back_trgm_idx": "back"}

_SQLITE_TRIGGERS = {
    f"{TABLE}_insert": f"""AFTER INSERT ON cards_card BEGIN
        INSERT INTO {TABLE}(rowid, front, back) VALUES (new.id, new.front, new.back);
    END""",
    f"{TABLE}_delete": f"""AFTER DELETE ON cards_card BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, front, back) VALUES ('delete', old.id, old.front, old.back);
    END""",
    f"{TABLE}_update": f"""AFTER UPDATE OF id, front, back ON cards_card BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, front, back) VALUES ('delete', old.id, old.front, old.back);
        INSERT INTO {TABLE}(rowid, front, back) VALUES (new.id, new.front, new.back);
    END""",
}


def text_index_create(connection) -> None:
    """Make the index and fill it from the cards there are (the migration that adds it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(front, back, content='cards_card', content_rowid='id', tokenize='trigram')"
            )
            _sqlite_triggers_create(cursor)
        elif connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for index, column in POSTGRESQL_INDEXES.items():
                cursor.execute(f'CREATE INDEX IF NOT EXISTS {index} ON cards_card USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')
            # The planner knows how many cards a pattern finds only from the indexed expressions' statistics: without
            # them it intersects "squared" (every card) with "4242" (66) by reading both from the index.
            cursor.execute("ANALYZE cards_card")


def text_index_drop(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for trigger in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        elif connection.vendor == "postgresql":
            for index in POSTGRESQL_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {index}")


def text_index_repair(connection) -> bool:
    """On SQLite, put back the triggers a table rebuild dropped and rebuild the index; True when they were missing.

    Does nothing where the index was never made (before its migration, or after it was undone).
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = %s OR (type = 'trigger' AND tbl_name = 'cards_card')", [TABLE])
        present = {name for (name,) in cursor.fetchall()}
        if TABLE not in present or present >= set(_SQLITE_TRIGGERS):
            return False
        _sqlite_triggers_create(cursor)
    return True


def _sqlite_triggers_create(cursor) -> None:
    """The triggers, then the index rebuilt from every card (what it missed while there were none)."""
    for name, body in _SQLITE_TRIGGERS.items():
        cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def text_index_candidates(texts: Sequence[str], connection) -> Q:
    """Cards whose front or back may contain each of ``texts`` (case ignored): at least every card that does.

    ``Q()`` (no narrowing) where the index cannot help: on PostgreSQL (its indexes serve
    the ``LIKE`` directly) and when no text has ``INDEXED_CHARS`` characters.
    """
    long_enough = [text for text in texts if len(text) >= INDEXED_CHARS]
    if connection.vendor != "sqlite" or not long_enough:
        return Q()
    match = " AND ".join('"' + text.replace('"', '""') + '"' for text in long_enough)  # FTS5 strings: a quote is doubled
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match]))
