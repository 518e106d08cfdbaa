"""The Anki reader on every real file in ../shared/data/anki/, held to its README and to what Anki's own library reads."""

import zipfile
from collections import Counter

import pytest
from anki.collection import Collection as AnkiCollection
from anki.collection import ExportAnkiPackageOptions
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import FieldDescriptor

from knowledge_tracing.anki import protobuf
from knowledge_tracing.anki.reader import open_anki_file, read_collection
from knowledge_tracing.anki.records import CARD_STATES, CLOZE, answers
from tests.anki_truth import REAL_ANKI_DATA, REAL_FILES, anki_view

# ../shared/data/anki/README.md: notes, cards, review-log entries, media files.
README_COUNTS = {
    "kanjiplot_2013.anki2": (530, 1005, 6158, 0),
    "kedarmhaswade_BarRonPcAp.colpkg": (1558, 1590, 4240, 24),
    "kedarmhaswade_collection.apkg": (393, 1143, 1601, 22),
    "kedarmhaswade_spoken-languages__english__Vocab__2023.apkg": (22, 44, 94, 0),
    "kedarmhaswade_simple-spanish-w-audio.colpkg.apkg": (5, 7, 0, 7),
    "kedarmhaswade_bg-hashtable.colpkg": (14, 28, 0, 0),
}


def test_every_real_file_is_covered():
    assert sorted(README_COUNTS) == REAL_FILES


@pytest.mark.parametrize("name", REAL_FILES)
def test_counts_match_the_readme(name):
    with open_anki_file(REAL_ANKI_DATA / name) as anki_file:
        collection = anki_file.collection
        counts = (len(collection.notes), len(collection.cards), len(collection.reviews), len(anki_file.media))
        assert anki_file.problems == []
    assert counts == README_COUNTS[name]


@pytest.mark.parametrize("name", REAL_FILES)
def test_notes_cards_decks_note_types_and_reviews_match_ankis_own_library(name):
    truth = anki_view(REAL_ANKI_DATA / name)
    with open_anki_file(REAL_ANKI_DATA / name) as anki_file:
        collection, media = anki_file.collection, set(anki_file.media)
    notes = {note.id: note for note in collection.notes}
    cards = {card.id: card for card in collection.cards}

    assert {note.guid: (note.fields, tuple(sorted(note.tags))) for note in collection.notes} == {
        guid: (fields, tags) for guid, (_, fields, tags) in truth.notes.items()
    }
    assert {
        (notes[card.note_id].guid, card.ord): (collection.decks[card.deck_id].name, CARD_STATES.index(card.state), card.interval_days)
        for card in collection.cards
    } == {key: (deck, kind, interval) for key, (deck, kind, _, interval) in truth.cards.items()}
    assert {(notes[card.note_id].guid, card.ord): card.suspended for card in collection.cards} == {
        key: queue == -1 for key, (_, _, queue, _) in truth.cards.items()
    }
    used = {note.note_type_id for note in collection.notes}
    assert Counter(
        (note_type.kind, note_type.fields, len(note_type.templates)) for note_type in collection.note_types.values() if note_type.id in used
    ) == Counter(truth.note_types.values())
    card_decks = {collection.decks[card.deck_id].name for card in collection.cards}
    assert {name for name in (deck.name for deck in collection.decks.values()) if any(
        held == name or held.startswith(name + "::") for held in card_decks
    )} == truth.decks
    assert len(collection.reviews) == truth.revlog_entries
    assert [
        (review.id, notes[cards[review.card_id].note_id].guid, cards[review.card_id].ord, review.rating, review.duration_ms, review.kind)
        for review in collection.reviews if review.card_id in cards
    ] == truth.revlog
    assert media == truth.media


def test_the_review_log_without_manual_reschedules_keeps_the_answers():
    """BarRonPcAp's 4,240 entries hold 3,770 manual reschedules (rating 0); the benchmark keeps the other 470."""
    collection = read_collection(REAL_ANKI_DATA / "kedarmhaswade_BarRonPcAp.colpkg")
    kept = answers(collection.reviews)
    assert len(kept) == 470 and all(1 <= review.rating <= 4 for review in kept)
    assert Counter(review.kind for review in collection.reviews if review not in kept) == {4: 3770}


def test_nested_decks_have_their_parents_and_cloze_note_types_their_kind():
    collection = read_collection(REAL_ANKI_DATA / "kedarmhaswade_spoken-languages__english__Vocab__2023.apkg")
    by_name = {deck.name: deck for deck in collection.decks.values()}
    leaf = by_name["spoken-languages::english::Vocab::2023"]
    chain = []
    while leaf is not None:
        chain.append(leaf.name)
        leaf = collection.decks.get(leaf.parent_id)
    assert chain == ["spoken-languages::english::Vocab::2023", "spoken-languages::english::Vocab", "spoken-languages::english", "spoken-languages"]
    cloze = {note.note_type_id for note in collection.notes}
    assert [collection.note_types[type_id].kind for type_id in cloze] == [CLOZE]
    assert all(collection.deck_preset(deck).name == "Default" for deck in collection.decks.values())


def test_a_bare_zstd_collection_reads_as_its_package(tmp_path):
    with zipfile.ZipFile(REAL_ANKI_DATA / "kedarmhaswade_bg-hashtable.colpkg") as archive:
        (tmp_path / "collection.anki21b").write_bytes(archive.read("collection.anki21b"))
    bare = read_collection(tmp_path / "collection.anki21b")
    packaged = read_collection(REAL_ANKI_DATA / "kedarmhaswade_bg-hashtable.colpkg")
    assert (bare.notes, bare.cards, bare.decks, bare.note_types) == (packaged.notes, packaged.cards, packaged.decks, packaged.note_types)


def test_fsrs_memory_state_presets_and_suspension_arrive_as_anki_keeps_them(tmp_path):
    collection = AnkiCollection(str(tmp_path / "fsrs.anki2"))
    collection.set_config("fsrs", True)
    deck_id = collection.decks.id("Languages::Spanish")
    preset = collection.decks.config_dict_for_deck_id(deck_id)
    preset["desiredRetention"] = 0.85
    preset["new"]["delays"] = [2.0, 15.0]
    collection.decks.save(preset)
    for word in ("uno", "dos", "tres"):
        note = collection.new_note(collection.models.by_name("Basic"))
        note["Front"], note["Back"] = word, word.upper()
        collection.add_note(note, deck_id)
    collection.decks.select(deck_id)
    for grade in (3, 3, 4):
        collection.sched.answerCard(collection.sched.getCard(), grade)
    suspended = collection.find_cards("uno")[0]
    collection.sched.suspend_cards([suspended])
    expected = {
        card_id: (card.memory_state.stability, card.memory_state.difficulty) if card.memory_state else None
        for card_id in collection.find_cards("") for card in [collection.get_card(card_id)]
    }
    package = tmp_path / "fsrs.apkg"
    collection.export_anki_package(
        out_path=str(package), options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=True), limit=None,
    )
    collection.close()

    read = read_collection(package)
    read_states = {card.id: (card.memory.stability, card.memory.difficulty) if card.memory else None for card in read.cards}
    assert read_states.keys() == expected.keys()
    for card_id, state in expected.items():  # Anki keeps four decimals in the card's data
        assert read_states[card_id] == (None if state is None else pytest.approx(state, abs=1e-3))
    assert any(card.memory for card in read.cards)
    assert [card.id for card in read.cards if card.suspended] == [suspended]
    deck = next(deck for deck in read.decks.values() if deck.name == "Languages::Spanish")
    options = read.deck_preset(deck)
    assert (options.desired_retention, options.learn_steps_minutes) == (0.85, (2.0, 15.0))


def test_the_protobuf_subset_uses_ankis_own_field_numbers():
    import anki.deck_config_pb2  # noqa: F401  (registers Anki's descriptors in the default pool)
    import anki.decks_pb2  # noqa: F401
    import anki.import_export_pb2  # noqa: F401
    import anki.notetypes_pb2  # noqa: F401

    enum, int32 = FieldDescriptor.TYPE_ENUM, FieldDescriptor.TYPE_INT32  # one wire encoding: Anki's enums are read as numbers
    pool = descriptor_pool.Default()
    for ours, theirs in protobuf.ANKI_NAMES.items():
        anki_fields = {
            field.name: (field.number, int32 if field.type == enum else field.type) for field in pool.FindMessageTypeByName(theirs).fields
        }
        for name, number, kind, _, _ in protobuf.MESSAGES[ours]:
            assert anki_fields[name] == (number, kind), f"{ours}.{name}"
