"""The index of the cards' text for the browser's free-text search (``apps.cards.text_index``).

SQLite: an FTS5 trigram table kept by triggers, filled from the cards there are.
PostgreSQL: the ``pg_trgm`` extension (left in place when undone) and GIN indexes on the upper-cased
front and back. (Django's ``TrigramExtension`` cannot be undone on SQLite: it asks for ``pg_extension``.)
"""

from django.db import migrations

from apps.cards.text_index import text_index_create, text_index_drop


def create(apps, schema_editor):
    text_index_create(schema_editor.connection)


def drop(apps, schema_editor):
    text_index_drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("cards", "0006_notes_required_subdeck_folded"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
