"""Turn consented study logs into export rows, in chunks, without loading the export whole.

The logs are streamed with ``.iterator()`` and only their own columns are read; the
card and deck attributes a row needs (UUIDs, tags, texts) are looked up once per
chunk for the cards not seen before, instead of being joined into every row (a
UUID or a text converted a million times costs more than the rest of the row).
Each export column (``knowledge_tracing.data.columns``) has one conversion below.

The records are fetched through the query compiler's chunked fetch (a server-side
cursor on PostgreSQL) without Django's per-value converters: parsing two times per
row into datetimes only to print them again was most of an export's time. The two
raw forms the backends give are handled here: SQLite's UTC text and PostgreSQL's
aware datetimes; booleans arrive as 0/1 or as bools.
"""

from datetime import datetime, timezone
from typing import Callable, Iterator

from django.db.models import QuerySet
from django.db.models.sql.constants import MULTI

from apps.cards.models import Card, CardTemplate, Deck
from knowledge_tracing.anki.note_types import card_name
from knowledge_tracing.data.columns import CONCEPT_SEPARATOR

LOOKUP_BATCH = 5000
CARD_CACHE_LIMIT = 200_000

LOG_FIELDS = (
    "learner_id", "card_id", "deck_id", "shown_at", "answered_at", "outcome", "grade", "response_ms",
    "policy", "model_version", "predicted_recall", "selection_probability",
)
FIELD = {name: position for position, name in enumerate(LOG_FIELDS)}


def _batches(ids: set[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        yield ordered[start : start + LOOKUP_BATCH]


class CardAttributes:
    """Card UUID, concepts, text, note UUID, note type and template, and deck UUID, by id; filled a chunk at a time, bounded in size."""

    def __init__(self, *, with_text: bool) -> None:
        self.with_text = with_text
        self.cards: dict[int, tuple[str, str, str | None, str, str, str]] = {}
        self.decks: dict[int, str] = {}
        self.templates: dict[int, dict[int, str]] = {}  # note type id -> ord -> template name

    def load(self, records: list[tuple]) -> None:
        missing = {record[FIELD["card_id"]] for record in records} - self.cards.keys()
        if len(self.cards) + len(missing) > CARD_CACHE_LIMIT:
            self.cards.clear()
        fields = ("id", "uuid", "tags", "ord", "note__uuid", "note__note_type_id", "note__note_type__name", "note__note_type__kind")
        fields += ("front", "back") if self.with_text else ()
        for ids in _batches(missing):
            rows = list(Card.all_objects.filter(id__in=ids).values_list(*fields))
            self._load_templates({row[5] for row in rows})
            for card_id, card_uuid, tags, ordinal, note_uuid, note_type_id, note_type, kind, *text in rows:
                template = card_name(kind, self.templates[note_type_id], ordinal)
                self.cards[card_id] = (
                    str(card_uuid), _concepts(tags), f"{text[0]}\n\n{text[1]}" if text else None, str(note_uuid), note_type, template
                )
        missing_decks = {record[FIELD["deck_id"]] for record in records} - self.decks.keys()
        for ids in _batches(missing_decks):
            self.decks.update((deck_id, str(deck_uuid)) for deck_id, deck_uuid in Deck.all_objects.filter(id__in=ids).values_list("id", "uuid"))


    def _load_templates(self, note_type_ids: set[int]) -> None:
        missing = note_type_ids - self.templates.keys()
        for note_type_id in missing:
            self.templates[note_type_id] = {}
        for note_type_id, ordinal, name in CardTemplate.objects.filter(note_type_id__in=missing).values_list("note_type_id", "ord", "name"):
            self.templates[note_type_id][ordinal] = name


def _concepts(tags) -> str:
    return CONCEPT_SEPARATOR.join(str(tag) for tag in tags or ())


def _utc(value) -> datetime:
    """A stored time as an aware UTC datetime: SQLite gives UTC text without a zone, PostgreSQL aware datetimes."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _utc_text(value) -> str:
    """ISO-8601 in UTC; SQLite's text already is, but for its zone (and a space for the ``T``)."""
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + "+00:00"
    return value.astimezone(timezone.utc).isoformat()


def _column_values(
    pseudonym: Callable[[int], str], cards: CardAttributes, *, times_as_text: bool
) -> dict[str, Callable[[tuple], object]]:
    """Column name -> the value of that column for one database record of ``LOG_FIELDS``."""

    def field(name: str) -> Callable[[tuple], object]:
        position = FIELD[name]
        return lambda record: record[position]

    def utc(name: str) -> Callable[[tuple], object]:
        position, convert = FIELD[name], _utc_text if times_as_text else _utc
        return lambda record: convert(record[position])

    card, deck = FIELD["card_id"], FIELD["deck_id"]
    learner, outcome = FIELD["learner_id"], FIELD["outcome"]
    return {
        "learner": lambda record: pseudonym(record[learner]),
        "card": lambda record: cards.cards[record[card]][0],
        "deck": lambda record: cards.decks[record[deck]],
        "note_id": lambda record: cards.cards[record[card]][3],
        "note_type": lambda record: cards.cards[record[card]][4],
        "template": lambda record: cards.cards[record[card]][5],
        "shown_at": utc("shown_at"),
        "answered_at": utc("answered_at"),
        "outcome": lambda record: int(record[outcome]),
        "grade": field("grade"),
        "response_ms": field("response_ms"),
        "policy": field("policy"),
        "concepts": lambda record: cards.cards[record[card]][1],
        "model_version": field("model_version"),
        "predicted_recall": field("predicted_recall"),
        "selection_probability": field("selection_probability"),
        "card_text": lambda record: cards.cards[record[card]][2],
    }


def _record_blocks(logs: QuerySet, chunk_rows: int) -> Iterator[list[tuple]]:
    """The logs' ``LOG_FIELDS`` as raw database values, ``chunk_rows`` records at a time, streamed."""
    compiler = logs.values_list(*LOG_FIELDS).query.get_compiler(using=logs.db)
    blocks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=chunk_rows)
    for block in blocks or ():
        if block:
            yield block


def export_row_chunks(
    logs: QuerySet, columns: tuple[str, ...], *, pseudonym: Callable[[int], str], chunk_rows: int, times_as_text: bool
) -> Iterator[list[tuple]]:
    """Lists of at most ``chunk_rows`` rows (tuples in ``columns`` order) over the logs, streamed from the database.

    Times are aware UTC datetimes, or their ISO-8601 text with ``times_as_text`` (for the text formats).
    """
    cards = CardAttributes(with_text="card_text" in columns)
    values = _column_values(pseudonym, cards, times_as_text=times_as_text)
    converters = [values[column] for column in columns]
    for block in _record_blocks(logs, chunk_rows):
        cards.load(block)
        yield [tuple([convert(record) for convert in converters]) for record in block]
