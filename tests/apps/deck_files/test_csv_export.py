"""The CSV export writes one note per row with its fields, media as file names, and the deck of each note below the exported one."""

import csv
from io import StringIO

from django.core.management import call_command

from apps.cards.models import Deck, DeckMedia
from apps.cards.note_services import note_create, note_type_builtin
from apps.cards.selectors import deck_cards
from apps.cards.services import card_create, deck_create
from tests.apps.deck_files.conftest import import_deck


def export_csv(deck, target) -> list[list[str]]:
    call_command("export_deck", str(deck.uuid), "--format", "csv", "--output", str(target), stdout=StringIO())
    with open(target, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_a_note_per_row_with_its_fields_and_media_by_file_name(db, owner, tmp_path):
    languages = deck_create(owner=owner, title="Languages")
    verbs = deck_create(owner=owner, title="Languages::Spanish::Verbs")
    DeckMedia.objects.create(deck=languages, name="sol.png", size=3, file="deck-media/sol")
    image = f'<img src="/decks/{languages.uuid}/media/sol.png">'
    note_create(owner=owner, deck=verbs, note_type=note_type_builtin(name="Basic (and reversed card)"), field_values=["hablar", f"to speak {image}"], tags=["verbs"])
    note_create(owner=owner, deck=languages, note_type=note_type_builtin(name="Cloze"), field_values=["{{c1::Hola}}, {{c2::amigo}}", "greeting"], tags=[])

    rows = export_csv(languages, tmp_path / "languages.csv")

    assert rows == [
        ["field 1", "field 2", "tags", "deck", "note_type"],
        ["hablar", 'to speak <img src="sol.png">', "verbs", "Spanish::Verbs", "Basic (and reversed card)"],
        ["{{c1::Hola}}, {{c2::amigo}}", "greeting", "", "", "Cloze"],
    ]
    assert "/decks/" not in (tmp_path / "languages.csv").read_text()


def test_basic_notes_come_back_from_the_csv_into_the_same_tree(db, owner, other_learner, tmp_path):
    deck_create(owner=owner, title="Languages::Spanish::Verbs")
    card_create(deck=Deck.objects.get(title="Languages"), front="idioma", back="language", tags=["nouns"])
    card_create(deck=Deck.objects.get(title="Languages::Spanish::Verbs"), front="hablar", back="to speak", tags=[])

    rows = export_csv(Deck.objects.get(title="Languages"), tmp_path / "export.csv")
    assert rows[0] == ["Front", "Back", "tags", "deck", "note_type"]

    summary = import_deck(tmp_path / "export.csv", other_learner, "--title", "Idiomas")
    imported = Deck.objects.get(uuid=summary["deck"])
    assert sorted((card.front, card.deck.title, card.tags) for card in deck_cards(imported)) == [
        ("hablar", "Idiomas::Spanish::Verbs", []), ("idioma", "Idiomas", ["nouns"]),
    ]
