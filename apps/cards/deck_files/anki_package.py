"""An Anki package or collection, read by ``knowledge_tracing.anki``, as the notes, cards and history the app imports.

The library parses the file and holds every read to the limits; this module decides
what of it Mnemo keeps, and says in words what it leaves out:

- the note types the notes use, with their fields and templates as Anki has them
  (templates are text: JavaScript in them is kept for export, never run, and reported);
- each note with its field values as Anki keeps them (media by file name), its tags
  in Mnemo's form, its ``guid``; a note whose type breaks Mnemo's limits, whose
  template cannot be read, or that would have more cards than a note may, is skipped;
- each card, rendered from its note by the library's template renderer (card text is
  the rendered front and back), in the deck it has in Anki, with its scheduling state,
  suspended or buried state and flag (which the import makes the learner's marks);
- deck names made usable (too long, too deep, control characters) and reported when
  changed; the package's main top-level deck takes the import's title when one is given;
- the review log's answers of the imported cards (manual reschedules left out), and the
  media files, each reported when its bytes are not what its name says.
"""

import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.media_types import media_type_problem
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError, MediaFile, ImportedNote, ReviewRow
from apps.cards.deck_names import CONTROL_CHARACTERS, DECK_MAX_DEPTH, DECK_NAME_MAX_CHARS, SEPARATOR, DeckNameError, deck_name
from apps.cards.media_links import referenced_media
from apps.cards.models import Card
from apps.cards.note_services import NOTE_MAX_CARDS, note_type_problems
from apps.cards.rendering import card_text_problem
from knowledge_tracing.anki.limits import AnkiFileError
from knowledge_tracing.anki.note_types import NoteTypeSpec, note_type_spec, render_note_card
from knowledge_tracing.anki.reader import AnkiFile, open_anki_file
from knowledge_tracing.anki.records import CLOZE, Collection, answers
from knowledge_tracing.anki.templates import TemplateError

TAG_DISALLOWED = re.compile(r"[^\w:.\-/]")
SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
LATEX = re.compile(r"\[\$?\$?\]|\[latex\]|\\\(|\\\[", re.IGNORECASE)
ANKI_DEFAULT_DECK = "Default"
# A review dated later than this after the import cannot have happened: a damaged file
# (or clock). Replaying one dated near the year 9999 overflowed the scheduler's dates
# (found by the fuzz tests). A day's margin keeps answers from a clock that runs ahead.
REVIEW_FUTURE_MARGIN = timedelta(days=1)


def read_anki_package(path: Path, *, limits: ImportLimits, title: str = "", name: str = "") -> DeckFile:
    """The file's notes, cards, history and media, or DeckFileError; ``title`` renames the main top-level deck."""
    try:
        with open_anki_file(path, limits=limits.anki()) as anki_file:
            deck_file = _deck_file(anki_file.collection, title=title, file_stem=Path(name or path.name).stem)
            deck_file.skipped[:0] = anki_file.problems
            if not deck_file.cards:
                raise DeckFileError(_nothing_to_import(deck_file.skipped))
            deck_file.media, media_problems = _media(anki_file, deck_file)
            deck_file.skipped.extend(media_problems)
    except AnkiFileError as error:
        raise DeckFileError(str(error)) from error
    return deck_file


def _nothing_to_import(skipped: list[str]) -> str:
    """The refusal of a file none of whose cards can be imported, with the first reasons why.

    As a CSV file without rows is refused: importing it would make an empty deck and
    report media it never stored (found by the fuzz tests).
    """
    reasons = f": {'; '.join(skipped[:3])}{'; …' if len(skipped) > 3 else ''}" if skipped else ""
    return f"the file holds no cards that can be imported{reasons}"


def _deck_file(collection: Collection, *, title: str, file_stem: str) -> DeckFile:
    skipped: list[str] = []
    deck_names = _deck_names(collection, title=title, file_stem=file_stem, skipped=skipped)
    specs = _note_types(collection, skipped)
    cards_of = defaultdict(list)
    for card in collection.cards:
        cards_of[card.note_id].append(card)
    notes, cards = [], []
    for note in collection.notes:
        spec = specs.get(note.note_type_id)
        if spec is None or not cards_of[note.id]:
            continue
        rows = _note_cards(note, spec, cards_of[note.id], deck_names, skipped)
        if rows:
            tags = _mnemo_tags(note.tags)
            notes.append(ImportedNote(anki_note_id=note.id, guid=note.guid, note_type_key=note.note_type_id, field_values=list(note.fields), tags=tags))
            cards.extend(rows)
    _report_exotic(specs, notes, skipped)
    used = {note.note_type_key for note in notes}
    root = next(iter(deck_names.values()), "") if not cards else Counter(card.subdeck.split(SEPARATOR)[0] for card in cards).most_common(1)[0][0]
    return DeckFile(
        title=root or title or file_stem, cards=cards, note_count=len(notes), notes=notes,
        note_types={key: spec for key, spec in specs.items() if key in used},
        reviews=_reviews(collection, {card.anki_card_id for card in cards}, skipped), skipped=skipped,
    )


def _note_types(collection: Collection, skipped: list[str]) -> dict[int, NoteTypeSpec]:
    """The library's spec of each note type notes use; a type Mnemo cannot use is reported with the count of its notes."""
    used = Counter(note.note_type_id for note in collection.notes)
    specs = {}
    for type_id, note_count in used.items():
        note_type = collection.note_types[type_id]
        spec = note_type_spec(note_type)
        problems = note_type_problems(spec)
        if problems:
            skipped.append(f"note type {note_type.name[:80]!r}: {'; '.join(problems)}; its {note_count} notes are skipped")
        else:
            specs[type_id] = spec
    return specs


def _note_cards(note, spec: NoteTypeSpec, anki_cards, deck_names: dict[int, str], skipped: list[str]) -> list[CardRow]:
    """The note's cards rendered from its fields; none (the note reported) when one cannot be shown."""
    if len(anki_cards) > NOTE_MAX_CARDS:
        skipped.append(f"note {note.id}: {len(anki_cards)} cards, more than the {NOTE_MAX_CARDS} a note may have; skipped")
        return []
    tags = _mnemo_tags(note.tags)
    rows = []
    for card in anki_cards:
        deck = deck_names.get(card.deck_id) or next(iter(deck_names.values()))
        source = f"note {note.id} card {card.ord + 1}"
        if not 0 <= card.ord < _ordinals(spec):
            skipped.append(f"{source}: not a card its note type has (card numbers run from 1 to {_ordinals(spec)}); the note is skipped")
            return []
        if any(row.ord == card.ord for row in rows):
            # Two cards of one note with one number: the database keeps one (found by the fuzz tests).
            skipped.append(f"{source}: a second card with this number; left out with its history, the first kept")
            continue
        try:
            rendered = render_note_card(spec, note.fields, card.ord, tags=note.tags, deck=deck)
        except (TemplateError, IndexError, ValueError) as error:
            skipped.append(f"{source}: {error}; the note is skipped")
            return []
        problem = card_text_problem(rendered.question) or card_text_problem(rendered.back)
        if problem:
            skipped.append(f"{source}: {problem} The note is skipped.")
            return []
        if not rendered.question.strip():
            skipped.append(f"{source}: its front is empty, as in Anki (an empty card); imported with its history")
        rows.append(CardRow(
            front=rendered.question, back=rendered.back, tags=tags, source=source, subdeck=deck,
            anki_card_id=card.id, anki_note_id=note.id, ord=card.ord, schedule=card,
        ))
    return rows


def _ordinals(spec: NoteTypeSpec) -> int:
    """How many card ordinals the note type has: one per template, or per cloze number up to what ``Card.ord`` holds.

    A damaged file may give a card any ordinal: a negative one picked a template from
    the end (Python's indexing) and then broke the database's check (found by the fuzz tests).
    """
    if spec.kind == CLOZE:
        return connection.ops.integer_field_range(Card._meta.get_field("ord").get_internal_type())[1] + 1
    return len(spec.templates)


def _deck_names(collection: Collection, *, title: str, file_stem: str, skipped: list[str]) -> dict[int, str]:
    """Anki deck id -> the full Mnemo deck name its cards go to: usable names, the main top-level deck retitled."""
    held = Counter(card.deck_id for card in collection.cards)
    names = {deck_id: _usable_deck_name(deck.name, skipped) for deck_id, deck in collection.decks.items() if not deck.filtered}
    if not names:
        names = {0: deck_name(title or file_stem or ANKI_DEFAULT_DECK)}
    roots = Counter()
    for deck_id, count in held.items():
        if deck_id in names:
            roots[names[deck_id].split(SEPARATOR)[0]] += count
    root = roots.most_common(1)[0][0] if roots else next(iter(names.values())).split(SEPARATOR)[0]
    if title:
        new_root = _usable_deck_name(title, skipped)
        names = {
            deck_id: _usable_deck_name(new_root + name[len(root) :], skipped) if name.split(SEPARATOR)[0] == root else name
            for deck_id, name in names.items()
        }
    return names


def _usable_deck_name(name: str, skipped: list[str]) -> str:
    """A name Mnemo's decks accept: control characters as spaces, empty parts named, at most so deep and so long."""
    parts = [part.strip() or "blank" for part in CONTROL_CHARACTERS.sub(" ", name).split(SEPARATOR)]
    if len(parts) > DECK_MAX_DEPTH:
        parts = [*parts[: DECK_MAX_DEPTH - 1], " - ".join(parts[DECK_MAX_DEPTH - 1 :])]
    budget = DECK_NAME_MAX_CHARS - len(SEPARATOR) * (len(parts) - 1)
    while sum(map(len, parts)) > budget:
        longest = max(range(len(parts)), key=lambda index: len(parts[index]))
        excess = sum(map(len, parts)) - budget
        parts[longest] = parts[longest][: max(1, len(parts[longest]) - excess - 1)].rstrip() + "…"
    usable = SEPARATOR.join(parts)
    try:
        usable = deck_name(usable)
    except DeckNameError:
        usable = deck_name(ANKI_DEFAULT_DECK)
    if usable != name:
        skipped.append(f"deck {name[:60]!r}{'…' if len(name) > 60 else ''}: renamed {usable[:60]!r}{'…' if len(usable) > 60 else ''} (a deck name may be at most {DECK_NAME_MAX_CHARS} characters and {DECK_MAX_DEPTH} levels deep)")
    return usable


def _report_exotic(specs: dict[int, NoteTypeSpec], notes: list[ImportedNote], skipped: list[str]) -> None:
    """What Mnemo keeps as text but does not do: JavaScript in templates, LaTeX in fields."""
    used = {note.note_type_key for note in notes}
    for type_id in sorted(used):
        spec = specs[type_id]
        if any(SCRIPT.search(template.front) or SCRIPT.search(template.back) for template in spec.templates):
            skipped.append(f"note type {spec.name[:80]!r}: its templates hold JavaScript, kept for export but never run")
    latex = sum(1 for note in notes if any(LATEX.search(value) for value in note.field_values))
    if latex:
        skipped.append(f"{latex} notes hold LaTeX, shown as its source text (Mnemo does not typeset it)")


def _reviews(collection: Collection, card_ids: set[int], skipped: list[str]) -> list[ReviewRow]:
    answered = answers(collection.reviews)
    unanswered = len(collection.reviews) - len(answered)
    latest = timezone.now() + REVIEW_FUTURE_MARGIN
    dated = [review for review in answered if review.reviewed_at <= latest]
    reviews = [
        ReviewRow(anki_card_id=review.card_id, answered_at=review.reviewed_at, grade=review.rating, response_ms=review.duration_ms)
        for review in dated if review.card_id in card_ids
    ]
    if unanswered:
        skipped.append(f"{unanswered} review log entries without an answer (rescheduled or reset by hand)")
    if len(answered) > len(dated):
        skipped.append(f"{len(answered) - len(dated)} review log entries dated in the future (a damaged file or clock); left out")
    if len(dated) > len(reviews):
        skipped.append(f"{len(dated) - len(reviews)} review log entries of cards that are not imported")
    return reviews


def _mnemo_tags(anki_tags) -> list[str]:
    """Anki's tags, lower-cased, with characters Mnemo's tags cannot hold replaced by '_'."""
    return list(dict.fromkeys(TAG_DISALLOWED.sub("_", tag.lower()) for tag in anki_tags))


def _media(anki_file: AnkiFile, deck_file: DeckFile) -> tuple[list[MediaFile], list[str]]:
    """The package's media files, and a line for each one a note refers to that it lacks or that is not what its name says."""
    files = [MediaFile(name=name, data=anki_file.read_media(name)) for name in anki_file.media]
    problems = [f"media {item.name!r}: {problem}" for item in files if (problem := media_type_problem(item.name, item.data))]
    referenced = {name for note in deck_file.notes for value in note.field_values for name in referenced_media(value)}
    missing = sorted(referenced - set(anki_file.media))
    return files, problems + [f"media {name!r}: referenced by a card but not in the package" for name in missing]
