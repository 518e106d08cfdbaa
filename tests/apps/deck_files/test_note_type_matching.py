"""An imported note type is the learner's existing one when it is the same, a new one (Name+) when only the name is."""

import dataclasses

from apps.cards.models import Note, NoteType
from knowledge_tracing.anki.records import Template
from tests.apps.deck_files.conftest import import_deck
from tests.apps.deck_files.crafted import CLOZE, card, note, package

OTHER_GAPS = dataclasses.replace(CLOZE, id=21, templates=(Template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<hr>{{Extra}}"),))


def test_same_named_types_stay_apart_and_importing_again_adds_nothing(db, owner, tmp_path):
    first = package(tmp_path, note_types=[CLOZE], notes=[note(1, 20, "{{c1::uno}}", "")], cards=[card(1, 1)], name="first.apkg")
    second = package(tmp_path, note_types=[OTHER_GAPS], notes=[note(2, 21, "{{c1::dos}}", "")], cards=[card(2, 2)], name="second.apkg")
    import_deck(first, owner)
    import_deck(second, owner)
    assert sorted(NoteType.objects.filter(owner=owner).values_list("name", flat=True)) == ["Gaps", "Gaps+"]

    again = [import_deck(first, owner), import_deck(second, owner)]
    assert [summary["cards"] for summary in again] == [0, 0]
    assert all("1 notes are in your collection already (the same Anki note); left as they are" in summary["skipped"] for summary in again)
    assert NoteType.objects.filter(owner=owner).count() == 2 and Note.objects.filter(owner=owner).count() == 2


def test_a_stock_note_type_becomes_the_built_in_one(db, owner, anki_package):
    import_deck(anki_package("current"), owner)
    assert set(Note.objects.filter(owner=owner).values_list("note_type__owner", flat=True)) == {None}
    assert not NoteType.objects.filter(owner=owner).exists()
