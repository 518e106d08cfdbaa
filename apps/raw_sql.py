"""Helpers for SQL written by hand: table names, subqueries and conditions compiled from the ORM, datetimes, rows.

Hand-written SQL is kept for statements on the hot path whose ORM form costs more to
build than to run (``apps.study.answer_sql``, ``apps.modeling.serving.active_versions``).
These helpers keep such SQL the same on PostgreSQL and SQLite and let a rule defined
once in the ORM be embedded in it rather than written twice.
"""

from datetime import datetime

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.sql import Query

Fragment = tuple[str, tuple]
"""SQL text with ``%s`` placeholders, and its parameters in order."""


def quoted_table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def compiled(queryset: QuerySet) -> Fragment:
    """A queryset as a subquery (its ordering dropped)."""
    return queryset.order_by().query.sql_with_params()


def condition(model: type[Model], q: Q) -> Fragment:
    """``q`` as a WHERE condition on ``model``'s table, its columns named by the table (no alias); no joins."""
    query = Query(model)
    return query.build_where(q).as_sql(query.get_compiler(connection=connection), connection)


def moment_param(moment: datetime):
    """A datetime as the backend stores it (SQLite: text in UTC), for a parameter of hand-written SQL."""
    return connection.ops.adapt_datetimefield_value(moment)


def epoch_seconds(column: str) -> str:
    """SQL for a datetime column as seconds since 1970, a float, without reading it as a datetime object."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::float8"
    # SQLite keeps "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: whole seconds, plus the fraction from character 20 on
    return f"(CAST(strftime('%%s', {column}) AS REAL) + CAST(substr({column}, 20) AS REAL))"


def fetch_rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
