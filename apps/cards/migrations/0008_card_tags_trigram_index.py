"""A trigram index of the cards' tags as JSON text, on PostgreSQL, for the browser's ``tag:`` search.

``apps.browser.patterns.TagOrBelowLike`` first matches ``tags::text`` with a plain ``LIKE``
(``%verb%``) before unpacking the tags of the cards that pass. Without an index that
cast and match ran on every card, and with no statistics on the expression the planner
guessed 400 matches for 27,000 and joined the visible decks by a nested loop: 300-350 ms
for ``tag:verb`` over 100,000 cards; with the index and its statistics it is a bitmap
scan and a hash join, 105-123 ms (docs/card-browser.md, "One pass and the collector").
SQLite gets nothing here: it reads the tags from the card rows it visits.
"""

from django.db import migrations

INDEX = "card_tags_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(f'CREATE INDEX IF NOT EXISTS {INDEX} ON cards_card USING gin (("tags"::text) gin_trgm_ops)')
        cursor.execute("ANALYZE cards_card")  # statistics of the indexed expression, which the planner's estimate needs


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("cards", "0007_card_text_index"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
