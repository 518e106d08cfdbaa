"""An Anki package or collection, read by ``knowledge_tracing.anki``, as a DeckFile the app imports.

The library parses the file (and holds every read to the limits); this module only maps
its records to the app's and sanitises what a learner will see.

Cards: basic and reversed note types give (first field, second field) for the first
template and the reverse for the second; cloze notes give one card per cloze number; a
third or later template of another note type is skipped and reported. Field HTML goes
through the project's sanitiser. The review log's answers (manual reschedules left out)
become ReviewRows.
"""

import re
from collections import Counter
from pathlib import Path

from apps.cards.deck_files.cloze import cloze_numbers, cloze_sides
from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.media_types import media_type_problem
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError, MediaFile, ReviewRow
from apps.cards.rendering import is_package_media_name, sanitise_html
from knowledge_tracing.anki.limits import AnkiFileError
from knowledge_tracing.anki.reader import AnkiFile, open_anki_file
from knowledge_tracing.anki.records import Collection, NoteType, answers

TAG_DISALLOWED = re.compile(r"[^\w:.\-/]")
MEDIA_REFERENCE = re.compile(r"""<img[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def read_anki_package(path: Path, *, limits: ImportLimits, title: str = "") -> DeckFile:
    try:
        with open_anki_file(path, limits=limits.anki()) as anki_file:
            deck_file = _deck_file(anki_file.collection, title or path.stem)
            deck_file.skipped[:0] = anki_file.problems
            deck_file.media, missing = _media(anki_file, _referenced_media(deck_file.cards))
            deck_file.skipped.extend(missing)
    except AnkiFileError as error:
        raise DeckFileError(str(error)) from error
    return deck_file


def _deck_file(collection: Collection, title: str) -> DeckFile:
    notes = {note.id: note for note in collection.notes}
    skipped: list[str] = []
    cards, noted = [], set()
    for card in collection.cards:
        note = notes[card.note_id]
        note_type = collection.note_types[note.note_type_id]
        source = f"note {note.id} card {card.ord + 1}"
        sides = _card_sides(note_type, list(note.fields), card.ord)
        if isinstance(sides, str):
            skipped.append(f"{source}: {sides}")
            continue
        noted.add(note.id)
        deck = collection.decks.get(card.deck_id)
        cards.append(
            CardRow(front=sides[0], back=sides[1], tags=_mnemo_tags(note.tags), source=source, subdeck=deck.name if deck else "", anki_card_id=card.id)
        )
    return DeckFile(
        title=_common_deck(cards) or title, cards=cards, note_count=len(noted),
        reviews=_reviews(collection, {card.anki_card_id for card in cards}, skipped), skipped=skipped,
    )


def _reviews(collection: Collection, card_ids: set[int], skipped: list[str]) -> list[ReviewRow]:
    answered = answers(collection.reviews)
    unanswered = len(collection.reviews) - len(answered)
    reviews = [
        ReviewRow(anki_card_id=review.card_id, answered_at=review.reviewed_at, grade=review.rating, response_ms=review.duration_ms)
        for review in answered if review.card_id in card_ids
    ]
    if unanswered:
        skipped.append(f"{unanswered} review log entries without an answer (rescheduled or reset by hand)")
    if len(answered) > len(reviews):
        skipped.append(f"{len(answered) - len(reviews)} review log entries of cards that are not imported")
    return reviews


def _card_sides(note_type: NoteType, fields: list[str], template: int) -> tuple[str, str] | str:
    """(front, back) of the card, sanitised; or the reason it is skipped."""
    if note_type.is_cloze:
        text, extra = fields[0], (fields[1] if len(fields) > 1 else "")
        if template + 1 not in cloze_numbers(text):
            return f"cloze {template + 1} is not in the text"
        front, back = cloze_sides(text, template + 1)
        back = back + (f"<br>{extra}" if extra.strip() else "")
    elif len(fields) < 2:
        return f"note type {note_type.name!r} has fewer than two fields"
    elif template > 1:
        return f"template {template + 1} of note type {note_type.name!r} (only the first two fields are imported)"
    else:
        front, back = (fields[0], fields[1]) if template == 0 else (fields[1], fields[0])
    front, back = (sanitise_html(side, media_allowed=is_package_media_name).strip() for side in (front, back))
    if not front or not back:
        return "front or back is empty"
    return front, back


def _mnemo_tags(anki_tags: tuple[str, ...]) -> list[str]:
    """Anki's tags, lower-cased, with characters Mnemo's tags cannot hold replaced by '_'."""
    return list(dict.fromkeys(TAG_DISALLOWED.sub("_", tag.lower()) for tag in anki_tags))


def _common_deck(cards: list[CardRow]) -> str:
    """The top-level Anki deck that holds most cards, as the Mnemo deck's title."""
    roots = Counter(card.subdeck.split("::")[0] for card in cards if card.subdeck)
    return roots.most_common(1)[0][0] if roots else ""


def _referenced_media(cards: list[CardRow]) -> set[str]:
    return {name for card in cards for side in (card.front, card.back) for name in MEDIA_REFERENCE.findall(side)}


def _media(anki_file: AnkiFile, referenced: set[str]) -> tuple[list[MediaFile], list[str]]:
    """The package's media files, and a line for each referenced file it lacks or that is not what its name says."""
    files = [MediaFile(name=name, data=anki_file.read_media(name)) for name in anki_file.media]
    problems = [f"media {item.name!r}: {problem}" for item in files if (problem := media_type_problem(item.name, item.data))]
    missing = sorted(referenced - set(anki_file.media))
    return files, problems + [f"media {name!r}: referenced by a card but not in the package" for name in missing]
