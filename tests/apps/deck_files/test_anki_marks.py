"""Suspended and buried cards and flags come in from an Anki package as the importing learner's marks, and go out again.

The package is made by Anki's own library (``anki_collection``), and the export is read
back by it: what Anki shows as suspended (queue -1), buried (queue -2/-3) and flagged
is what Mnemo's learner has marked, and the browser's search words find them.
"""

from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

from apps.browser.search import card_search
from apps.cards.models import Card
from apps.study.mark_services import card_suspend, card_unsuspend
from apps.study.models import CardMark
from tests.apps.deck_files.conftest import import_deck
from tests.apps.deck_files.test_anki_export import export_deck

SUSPENDED, BURIED_BY_USER, BURIED_AS_SIBLING = -1, -3, -2


def _card_id(collection, text: str, ordinal: int = 0) -> int:
    return next(card_id for card_id in collection.find_cards(text) if collection.get_card(card_id).ord == ordinal)


def _mark_in_anki(anki_collection) -> None:
    """Suspend "comer" (card 1), bury its reverse, flag the cloze's first card red and "hablar" purple."""
    anki_collection.sched.suspend_cards([_card_id(anki_collection, "comer")])
    anki_collection.sched.bury_cards([_card_id(anki_collection, "comer", 1)], manual=True)
    anki_collection.set_user_flag_for_cards(1, [_card_id(anki_collection, "Madrid")])
    anki_collection.set_user_flag_for_cards(7, [_card_id(anki_collection, "hablar")])


def _in_anki(package) -> dict[tuple[str, int], tuple[int, int]]:
    """(first field's first word, ord) -> (queue, flag) of each card, as Anki's library imports the package into a new collection."""
    collection = Collection(str(package.with_suffix(".anki2")))
    try:
        request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True))
        collection.import_anki_package(request)
        rows = collection.db.all("SELECT notes.flds, cards.ord, cards.queue, cards.flags FROM cards JOIN notes ON notes.id = cards.nid")
    finally:
        collection.close()
    return {(fields.split()[0], ordinal): (queue, flags & 0b111) for fields, ordinal, queue, flags in rows}


def test_suspended_buried_and_flagged_cards_become_the_learners_marks(db, owner, anki_collection, anki_package):
    _mark_in_anki(anki_collection)
    summary = import_deck(anki_package("current"), owner)

    assert not any("suspend" in line or "bur" in line for line in summary["skipped"])
    marks = {(mark.card.front, mark.card.ord): (mark.suspended, mark.buried_until is not None, mark.flag) for mark in CardMark.objects.filter(learner=owner).select_related("card")}
    assert marks == {
        ("comer", 0): (True, False, 0),
        ("to eat", 1): (False, True, 0),
        (Card.objects.get(note__note_type__name="Cloze", ord=0).front, 0): (False, False, 1),
        ("<b>hablar</b>", 0): (False, False, 7),
    }
    assert [card.front for card in card_search("is:suspended", viewer=owner)] == ["comer"]
    assert [card.front for card in card_search("is:buried", viewer=owner)] == ["to eat"]
    assert [card.front for card in card_search("flag:7", viewer=owner)] == ["<b>hablar</b>"]


def test_the_learners_marks_go_out_to_anki_and_come_back(db, owner, other_learner, anki_collection, anki_package, tmp_path):
    _mark_in_anki(anki_collection)
    first = import_deck(anki_package("current"), owner)
    card_unsuspend(learner=owner, cards=Card.objects.get(front="comer"))
    card_suspend(learner=owner, cards=Card.objects.get(front="<b>hablar</b>"))
    package = tmp_path / "ours.apkg"
    export_deck(first["deck"], package, "--with-history")

    in_anki = _in_anki(package)
    assert in_anki[("<b>hablar</b><script>alert(1)</script>", 0)] == (SUSPENDED, 7)
    assert in_anki[("comer", 0)][0] >= 0 and in_anki[("comer", 0)][1] == 0, "unsuspended in Mnemo, so studied as before in Anki"
    assert in_anki[("comer", 1)][0] in (BURIED_BY_USER, BURIED_AS_SIBLING)

    without_history = tmp_path / "shared.apkg"
    export_deck(first["deck"], without_history)
    assert {mark for mark in _in_anki(without_history).values()} == {(0, 0)}, "marks are the learner's: a deck shared without history has none"

    second = import_deck(package, other_learner)
    assert second["cards"] == len(in_anki) == 3
    assert set(CardMark.objects.filter(learner=other_learner, suspended=True).values_list("card__front", flat=True)) == {"<b>hablar</b>"}
