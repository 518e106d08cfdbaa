"""CSV and TSV files: delimiter and header found, UTF-8 with or without BOM, tags split the same way as the card form."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from apps.cards.forms import CardForm
from apps.cards.models import Card, Deck
from tests.apps.deck_files.conftest import import_deck

CARDS = [("Capital of Spain?", "Madrid", ["geography", "europe"]), ("H2O is…", "water, mostly", ["chemistry"])]


def imported_cards(summary) -> list[tuple[str, str, list[str]]]:
    return [(card.front, card.back, card.tags) for card in Card.objects.filter(deck__uuid=summary["deck"]).order_by("id")]


@pytest.mark.parametrize(
    "name, content, encoding",
    [
        ("header.csv", 'front,back,tags\nCapital of Spain?,Madrid,"geography, europe"\nH2O is…,"water, mostly",chemistry\n', "utf-8"),
        ("bom.csv", 'front,back,tags\r\nCapital of Spain?,Madrid,"geography, europe"\r\nH2O is…,"water, mostly",chemistry\r\n', "utf-8-sig"),
        ("no-header.csv", 'Capital of Spain?,Madrid,geography europe\nH2O is…,"water, mostly",chemistry\n', "utf-8"),
        ("tabs.tsv", "front\tback\ttags\nCapital of Spain?\tMadrid\tgeography, europe\nH2O is…\twater, mostly\tchemistry\n", "utf-8"),
        ("semicolons.txt", "tags;back;front\ngeography europe;Madrid;Capital of Spain?\nchemistry;water, mostly;H2O is…\n", "utf-8"),
    ],
)
def test_delimiter_header_and_bom_are_detected(db, owner, tmp_path, name, content, encoding):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    summary = import_deck(path, owner)
    assert (summary["cards"], summary["notes"], summary["review_logs"], summary["skipped"]) == (2, 2, 0, [])
    assert imported_cards(summary) == CARDS
    assert Deck.objects.get(uuid=summary["deck"]).title == path.stem


def test_the_card_form_and_the_csv_split_tags_alike():
    raw = "geography, europe capitals"
    form = CardForm({"front": "q", "back": "a", "tags": raw})
    assert form.is_valid()
    assert form.cleaned_data["tags"] == ["geography", "europe", "capitals"]


def test_csv_round_trip_gives_the_same_deck(db, owner, tmp_path, private_deck):
    exported = tmp_path / "deck.csv"
    call_command("export_deck", str(private_deck.uuid), "--format", "csv", "--output", str(exported), stdout=StringIO())
    summary = import_deck(exported, owner, "--title", "Copy")
    original = [(card.front, card.back, card.tags) for card in Card.objects.filter(deck=private_deck).order_by("id")]
    assert imported_cards(summary) == original and len(original) == 12
    again = tmp_path / "again.csv"
    call_command("export_deck", summary["deck"], "--format", "csv", "--output", str(again), stdout=StringIO())
    assert _without_deck_column(again) == _without_deck_column(exported)


def _without_deck_column(path) -> list[list[str]]:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    deck = rows[0].index("deck")
    return [row[:deck] + row[deck + 1 :] for row in rows]
