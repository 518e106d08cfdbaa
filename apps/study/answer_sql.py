"""Statements every answer runs, written as SQL.

The answered showing (locked), the deck's preset, the siblings to bury, the next
card's candidates, today's counts and raised new-card limit, the workload window.
Built with the ORM (querysets nested three deep, ``exclude`` of subqueries, ORs
across joins), making and compiling these statements cost several times what the
database spends running them; written as SQL they halved the web's CPU per answer +
next card (docs/operations.md, "Where the CPU of an answer goes"). Rules that other
reads share keep their one definition in the ORM and are compiled into these
statements (``apps.raw_sql.compiled``, ``condition``): the studied deck's tree, the
cards left out of study, learning today, today's forgotten cards, the decks a learner
may study. The SQL is the same on PostgreSQL and SQLite; dates in the learner's time
zone come from the backend's own ``datetime_cast_date_sql``, as the ORM's
``TruncDate`` does, and the candidates' moments are read as epoch seconds (as
datetime objects, 500 candidates' two moments cost a twentieth of an answer).
"""

from datetime import date, datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from apps.cards.access import deck_open_condition
from apps.cards.models import Card, Deck
from apps.raw_sql import Fragment, compiled, condition, epoch_seconds, fetch_rows, moment_param, quoted_table
from apps.study.models import (
    DEFAULT_PRESET_NAME, IMPORTED_POLICY, CardState, DeckPreset, ShownCard, StudyLog, StudyLogUndo, StudyPreset, StudySession,
)

STATES, CARDS, LOGS, UNDOS = quoted_table(CardState), quoted_table(Card), quoted_table(StudyLog), quoted_table(StudyLogUndo)
DECKS, PRESETS, PRESET_CHOICES = quoted_table(Deck), quoted_table(StudyPreset), quoted_table(DeckPreset)
SHOWINGS, SESSIONS = quoted_table(ShownCard), quoted_table(StudySession)


def due_rows(
    *, learner_id: int, decks: Fragment, excluded: Fragment, offered: Fragment, learning_today: Fragment, limit: int
) -> list[tuple[int, float, float, bool]]:
    """(card id, due at, last answered at, learning today) of the learner's studied cards of ``decks`` that are offered or in learning today, soonest due first.

    Live cards only, none of ``excluded``; moments in seconds since 1970.
    """
    sql = (
        f"SELECT {STATES}.card_id, {epoch_seconds(f'{STATES}.due_at')}, {epoch_seconds(f'{STATES}.last_review_at')}, ({learning_today[0]}) "
        f"FROM {STATES} INNER JOIN {CARDS} ON {STATES}.card_id = {CARDS}.id "
        f"WHERE {STATES}.learner_id = %s AND {STATES}.deck_id IN ({decks[0]}) AND {CARDS}.deleted_at IS NULL "
        f"AND (({offered[0]}) OR ({learning_today[0]})) AND NOT ({STATES}.card_id IN ({excluded[0]})) "
        f"ORDER BY {STATES}.due_at LIMIT {int(limit)}"
    )
    params = [*learning_today[1], learner_id, *decks[1], *offered[1], *learning_today[1], *excluded[1]]
    return [(card_id, due, last, bool(learning)) for card_id, due, last, learning in fetch_rows(sql, params)]


def new_card_ids(*, learner_id: int, decks: Fragment, excluded: Fragment, limit: int) -> list[int]:
    """The live cards of ``decks`` the learner never studied, none of ``excluded``, in deck order (by id)."""
    sql = (
        f"SELECT {CARDS}.id FROM {CARDS} WHERE {CARDS}.deleted_at IS NULL AND {CARDS}.deck_id IN ({decks[0]}) "
        f"AND NOT ({CARDS}.id IN (SELECT {STATES}.card_id FROM {STATES} WHERE {STATES}.learner_id = %s AND {STATES}.deck_id IN ({decks[0]}))) "
        f"AND NOT ({CARDS}.id IN ({excluded[0]})) "
        f"ORDER BY {CARDS}.id LIMIT {int(limit)}"
    )
    return [row[0] for row in fetch_rows(sql, [*decks[1], learner_id, *decks[1], *excluded[1]])]


def today_counts(*, learner_id: int, decks: Fragment, day_start: datetime) -> tuple[int, int]:
    """(new cards first studied since ``day_start``, other live answers since then) on ``decks``, in one statement.

    Imported history is not today's study: a card whose history came from an import is
    not a new card of today, and imported answers are not reviews of today.
    """
    since = moment_param(day_start)
    new_today = (
        f"SELECT {STATES}.card_id FROM {STATES} WHERE {STATES}.learner_id = %s AND {STATES}.deck_id IN ({decks[0]}) "
        f"AND {STATES}.first_studied_at >= %s "
        f"AND NOT ({STATES}.card_id IN (SELECT {LOGS}.card_id FROM {LOGS} WHERE {LOGS}.learner_id = %s AND {LOGS}.policy = %s))"
    )
    new_today_params = [learner_id, *decks[1], since, learner_id, IMPORTED_POLICY]
    reviews_today = (
        f"SELECT COUNT(*) FROM {LOGS} WHERE {LOGS}.learner_id = %s AND {LOGS}.deck_id IN ({decks[0]}) "
        f"AND {LOGS}.answered_at >= %s AND NOT ({LOGS}.policy = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {UNDOS} WHERE {UNDOS}.log_id = {LOGS}.id) "
        f"AND NOT ({LOGS}.card_id IN ({new_today}))"
    )
    sql = f"SELECT ({reviews_today}), (SELECT COUNT(*) FROM ({new_today}) new_today)"
    params = [learner_id, *decks[1], since, IMPORTED_POLICY, *new_today_params, *new_today_params]
    reviews, new_cards = fetch_rows(sql, params)[0]
    return new_cards, reviews


def extra_new_limit_since(*, learner_id: int, deck_id: int, since: datetime) -> int | None:
    """The highest new-card limit of the learner's "extra new cards" sessions of the deck started since ``since``; None without one."""
    sql = (
        f"SELECT MAX({SESSIONS}.new_limit) FROM {SESSIONS} WHERE {SESSIONS}.learner_id = %s AND {SESSIONS}.deck_id = %s "
        f"AND {SESSIONS}.kind = %s AND {SESSIONS}.started_at >= %s"
    )
    return fetch_rows(sql, [learner_id, deck_id, StudySession.Kind.EXTRA_NEW, moment_param(since)])[0][0]


def _local_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite gives the date as text


def due_days_around(*, learner_id: int, card_id: int, start: datetime, end: datetime) -> tuple[dict[date, int], frozenset[date]]:
    """The learner's other cards due on each day of [``start``, ``end``), and the days the card's siblings are due; one statement.

    Days are dates in the current time zone (the learner's). Siblings are the other
    cards of the card's note, due on any day.
    """
    day, day_params = connection.ops.datetime_cast_date_sql(f"{STATES}.due_at", (), timezone.get_current_timezone_name())
    others = f"{STATES}.learner_id = %s AND {STATES}.card_id <> %s"
    sql = (
        f"SELECT 0, {day}, COUNT(*) FROM {STATES} WHERE {others} AND {STATES}.due_at >= %s AND {STATES}.due_at < %s GROUP BY 2 "
        f"UNION ALL SELECT 1, {day}, 0 FROM {STATES} INNER JOIN {CARDS} ON {STATES}.card_id = {CARDS}.id "
        f"WHERE {others} AND {CARDS}.note_id = (SELECT note_id FROM {CARDS} WHERE {CARDS}.id = %s)"
    )
    params = [*day_params, learner_id, card_id, moment_param(start), moment_param(end), *day_params, learner_id, card_id, card_id]
    counts, sibling_days = {}, set()
    for siblings, due_day, reviews in fetch_rows(sql, params):
        if siblings:
            sibling_days.add(_local_date(due_day))
        else:
            counts[_local_date(due_day)] = reviews
    return counts, frozenset(sibling_days)


def deck_preset_row(deck_id: int) -> StudyPreset | None:
    """The preset the deck's owner chose for it, else the owner's Default preset; None while the owner has no Default yet."""
    chosen = f"SELECT {PRESET_CHOICES}.preset_id FROM {PRESET_CHOICES} WHERE {PRESET_CHOICES}.deck_id = %s"
    sql = (
        f"SELECT * FROM {PRESETS} WHERE {PRESETS}.id IN ({chosen}) "
        f"OR ({PRESETS}.owner_id = (SELECT {DECKS}.owner_id FROM {DECKS} WHERE {DECKS}.id = %s) AND {PRESETS}.name = %s) "
        f"ORDER BY CASE WHEN {PRESETS}.id IN ({chosen}) THEN 0 ELSE 1 END LIMIT 1"
    )
    return next(iter(StudyPreset.objects.raw(sql, [deck_id, deck_id, DEFAULT_PRESET_NAME, deck_id])), None)


def sibling_ids_to_bury(*, learner, card: Card, excluded: QuerySet) -> list[int]:
    """The other live cards of ``card``'s note that the learner may study, not in learning steps and not in ``excluded``.

    ``card_siblings_bury`` says why each of these rules holds.
    """
    open_deck, open_params = condition(Deck, deck_open_condition(learner))
    excluded_sql, excluded_params = compiled(excluded)
    sql = (
        f"SELECT {CARDS}.id FROM {CARDS} INNER JOIN {DECKS} ON {CARDS}.deck_id = {DECKS}.id "
        f"WHERE {CARDS}.note_id = %s AND {CARDS}.id <> %s AND {CARDS}.deleted_at IS NULL AND {DECKS}.deleted_at IS NULL AND ({open_deck}) "
        f"AND NOT ({CARDS}.id IN (SELECT {STATES}.card_id FROM {STATES} WHERE {STATES}.learner_id = %s AND {STATES}.state IN (%s, %s))) "
        f"AND NOT ({CARDS}.id IN ({excluded_sql})) ORDER BY {CARDS}.id"
    )
    params = [card.note_id, card.pk, *open_params, learner.pk, CardState.State.LEARNING, CardState.State.RELEARNING, *excluded_params]
    return [row[0] for row in fetch_rows(sql, params)]


def showing_locked(*, learner_id: int, card: Card, shown_uuid, excluded: QuerySet) -> ShownCard | None:
    """The learner's showing ``shown_uuid`` of ``card``, else (None given) the card's latest unanswered API showing; locked.

    Locked for update where the backend can (SQLite's write transaction already holds
    the whole database). The showing carries ``another_api_showing_pending``: whether
    another API showing of its deck is pending, by the rule of
    ``selectors.pending_showings`` (unanswered, of a live card, none of ``excluded``).
    """
    excluded_sql, excluded_params = compiled(excluded)
    another_pending = (
        f"EXISTS (SELECT 1 FROM {SHOWINGS} other INNER JOIN {CARDS} ON other.card_id = {CARDS}.id "
        f"WHERE other.learner_id = {SHOWINGS}.learner_id AND other.deck_id = {SHOWINGS}.deck_id AND other.session_id IS NULL "
        f"AND other.answered = %s AND other.id <> {SHOWINGS}.id AND {CARDS}.deleted_at IS NULL AND NOT (other.card_id IN ({excluded_sql})))"
    )
    params = [False, *excluded_params, learner_id, card.pk]
    if shown_uuid is not None:
        which = f"{SHOWINGS}.uuid = %s"
        params.append(ShownCard._meta.get_field("uuid").get_db_prep_value(shown_uuid, connection))
    else:
        which = f"{SHOWINGS}.session_id IS NULL AND {SHOWINGS}.answered = %s ORDER BY {SHOWINGS}.shown_at DESC, {SHOWINGS}.id DESC"
        params.append(False)
    lock = connection.ops.for_update_sql(of=(SHOWINGS,)) if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {SHOWINGS}.*, {another_pending} AS another_api_showing_pending FROM {SHOWINGS} "
        f"WHERE {SHOWINGS}.learner_id = %s AND {SHOWINGS}.card_id = %s AND {which} LIMIT 1 {lock}"
    )
    shown = next(iter(ShownCard.objects.raw(sql, params)), None)
    if shown is not None:
        shown.another_api_showing_pending = bool(shown.another_api_showing_pending)  # SQLite's is 0 or 1
        if shown.deck_id == card.deck_id:
            shown.deck = card.deck  # read with the card; a parent deck's showing reads its deck when asked
    return shown
