"""SQL the browser's search words need that Django has no lookup for, in each database's own terms.

Anki's wildcard patterns (``*`` for any run of characters) as SQL ``LIKE``, on text
columns and on JSON lists of tags (a tag or those below it), and the days between two moments.

A pattern is the tuple of parts ``apps.browser.query_parser.Term`` holds: plain text,
with ``WILDCARD`` (None) where a ``*`` was typed. Plain text is escaped with the
database's own ``prep_for_like_query`` and each wildcard becomes ``%``, so ``%`` and
``_`` typed by a user match themselves. Both lookups are used as filter expressions
(``Q(TextLike(F("front"), parts))``); neither is registered on a field.
"""

from django.db import NotSupportedError
from django.db.models import FloatField, Func, Lookup
from django.db.models.lookups import IContains

from apps.browser.query_parser import WILDCARD

Pattern = tuple[str | None, ...]


def like_pattern(parts: Pattern, connection) -> str:
    return "".join("%" if part is WILDCARD else connection.ops.prep_for_like_query(part) for part in parts)


class TextLike(IContains):
    """The whole text matches the pattern, ignoring case (``(WILDCARD, "x", WILDCARD)`` for "contains x").

    Django's ``icontains`` with its escaping and wrapping replaced by the pattern's:
    the same column casts and ``UPPER`` on PostgreSQL, ``LIKE ... ESCAPE`` on SQLite.
    """

    prepare_rhs = False

    def process_rhs(self, compiler, connection):
        return "%s", [like_pattern(self.rhs, connection)]


class TagOrBelowLike(Lookup):
    """Some tag in a JSON list of lower-case tags matches the pattern (lower-cased), or is below such a tag (``pattern::...``).

    The list's JSON text is first matched with a plain ``LIKE`` of the pattern's ASCII
    parts (SQLite stores other characters as ``\\u`` escapes): it never turns away a
    card that has the tag, and spares the per-tag check for the cards that cannot.
    Both ends (the tag and those below it) are checked in one pass over the card's
    tags: unpacking the list is the cost, so it is done once per card.
    """

    lookup_name = "tag_or_below_like"
    prepare_rhs = False

    def _sides(self, compiler, connection):
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        lowered = tuple(part if part is WILDCARD else part.lower() for part in self.rhs)
        rough = (WILDCARD, *(part for part in lowered if part is WILDCARD or part.isascii()), WILDCARD)
        patterns = [like_pattern(lowered, connection), like_pattern((*lowered, "::", WILDCARD), connection)]
        return lhs_sql, [*lhs_params, like_pattern(rough, connection), *lhs_params, *patterns]

    def as_sqlite(self, compiler, connection):
        lhs_sql, params = self._sides(compiler, connection)
        return (
            f"({lhs_sql} LIKE %s ESCAPE '\\' AND EXISTS (SELECT 1 FROM json_each({lhs_sql}) AS tag "
            f"WHERE tag.value LIKE %s ESCAPE '\\' OR tag.value LIKE %s ESCAPE '\\'))"
        ), params

    def as_postgresql(self, compiler, connection):
        lhs_sql, params = self._sides(compiler, connection)
        return (
            f"(({lhs_sql})::text LIKE %s AND EXISTS (SELECT 1 FROM jsonb_array_elements_text({lhs_sql}) AS tag(value) "
            f"WHERE tag.value LIKE %s OR tag.value LIKE %s))"
        ), params

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"searching tags is written for SQLite and PostgreSQL, not {connection.vendor}")


class DaysBetween(Func):
    """``end - start`` in days, as a float: SQLite's ``julianday`` and PostgreSQL's epoch, both computed by the database in C.

    (Django's own datetime subtraction on SQLite calls back into Python for every row.)
    """

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, connection):
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(")

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)", arg_joiner=" - ")
