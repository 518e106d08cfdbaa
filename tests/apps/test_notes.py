"""Notes generate their cards; editing a note renders the same cards again and keeps their history; removing one asks first."""

import uuid

import pytest

from apps.cards.content import content_hash
from apps.cards.models import Card, Note, NoteType
from apps.cards.note_services import (
    NOTE_MAX_CARDS,
    NoteChangeNeedsConfirmation,
    NoteInvalid,
    note_create,
    note_type_builtin,
    note_type_create,
    note_update,
)
from apps.cards.services import card_create, card_update, deck_create, deck_update
from apps.study.models import CardState, StudyLog
from apps.study.services import shown_card_choose_next, study_log_record
from knowledge_tracing.anki.note_types import CardTemplate, NoteTypeSpec

pytestmark = pytest.mark.django_db

CAPITALS = "{{c1::Lima}} is the capital of {{c2::Peru}}"


def cloze_note(owner, deck, text=CAPITALS, extra=""):
    return note_create(owner=owner, deck=deck, note_type=note_type_builtin(name="Cloze"), field_values=[text, extra], tags=["geo"])


def cards_of(note) -> dict[int, Card]:
    return {card.ord: card for card in Card.all_objects.filter(note=note)}


def answer(learner, deck, card) -> StudyLog:
    shown = shown_card_choose_next(learner=learner, deck=deck)
    assert shown.card == card
    log, _ = study_log_record(learner=learner, card=card, log_uuid=uuid.uuid4(), grade=3, response_ms=900, shown_uuid=shown.uuid)
    return log


@pytest.fixture
def deck(owner):
    return deck_create(owner=owner, title="Geography")


def test_the_builtin_note_types_are_ankis(db):
    names = {name: [field.name for field in note_type_builtin(name=name).note_fields.order_by("ord")] for name in (
        "Basic", "Basic (and reversed card)", "Basic (optional reversed card)", "Basic (type in the answer)", "Cloze",
    )}
    assert names == {
        "Basic": ["Front", "Back"],
        "Basic (and reversed card)": ["Front", "Back"],
        "Basic (optional reversed card)": ["Front", "Back", "Add Reverse"],
        "Basic (type in the answer)": ["Front", "Back"],
        "Cloze": ["Text", "Back Extra"],
    }
    assert note_type_builtin(name="Cloze").kind == NoteType.Kind.CLOZE and note_type_builtin(name="Cloze").owner is None
    assert NoteType.objects.filter(name="Cloze").count() == 1, "asked twice, made once"


def test_a_cloze_note_has_one_card_per_cloze_number(owner, deck):
    note = cloze_note(owner, deck)

    cards = cards_of(note)
    assert sorted(cards) == [0, 1]
    assert cards[0].front == '<span class="cloze">[...]</span> is the capital of <span class="cloze-inactive">Peru</span>'
    assert cards[0].back == '<span class="cloze">Lima</span> is the capital of <span class="cloze-inactive">Peru</span>'
    assert cards[1].front.endswith('<span class="cloze">[...]</span>')
    assert all(card.deck == deck and card.tags == ["geo"] and card.content_hash == content_hash(card.front, card.back) for card in cards.values())
    assert len(note.guid) <= 11 and note.owner == owner


def test_adding_a_cloze_adds_a_card_and_keeps_the_others_with_their_history(owner, deck):
    note = cloze_note(owner, deck)
    first = cards_of(note)[0]
    log = answer(owner, deck, first)
    state_before = CardState.objects.values().get(card=first)

    note_update(note=note, field_values=[CAPITALS + " in {{c3::South America}}", ""], tags=["geo"])

    cards = cards_of(note)
    assert sorted(cards) == [0, 1, 2] and cards[0].pk == first.pk
    assert "South America" in cards[0].front and cards[2].front.endswith('<span class="cloze">[...]</span>')
    assert StudyLog.objects.get().pk == log.pk and StudyLog.objects.get().card_id == first.pk
    assert CardState.objects.values().get(card=first) == state_before


def test_removing_a_cloze_asks_first_then_hides_its_card_and_adding_it_back_restores_it(owner, deck):
    note = cloze_note(owner, deck)
    second = cards_of(note)[1]

    with pytest.raises(NoteChangeNeedsConfirmation) as asked:
        note_update(note=note, field_values=["{{c1::Lima}} is the capital of Peru", ""], tags=[])
    assert asked.value.cards == [second]
    assert Note.objects.get(pk=note.pk).field_values == [CAPITALS, ""] and cards_of(note)[1].deleted_at is None

    note_update(note=note, field_values=["{{c1::Lima}} is the capital of Peru", ""], tags=[], confirm_removal=True)
    assert cards_of(note)[1].deleted_at is not None
    assert list(Card.objects.filter(note=note)) == [cards_of(note)[0]]

    note_update(note=note, field_values=[CAPITALS, ""], tags=[])
    assert cards_of(note)[1].pk == second.pk and cards_of(note)[1].deleted_at is None


def test_the_optional_reverse_card_exists_only_while_add_reverse_is_filled(owner, deck):
    optional = note_type_builtin(name="Basic (optional reversed card)")
    note = note_create(owner=owner, deck=deck, note_type=optional, field_values=["comer", "to eat", ""], tags=[])
    assert sorted(cards_of(note)) == [0]

    note_update(note=note, field_values=["comer", "to eat", "y"], tags=[])
    reverse = cards_of(note)[1]
    assert (reverse.front, reverse.back) == ("to eat", "comer")

    with pytest.raises(NoteChangeNeedsConfirmation):
        note_update(note=note, field_values=["comer", "to eat", ""], tags=[])


def test_a_reversed_note_has_both_directions(owner, deck):
    note = note_create(owner=owner, deck=deck, note_type=note_type_builtin(name="Basic (and reversed card)"), field_values=["comer", "to eat"], tags=[])
    assert [(card.front, card.back) for card in cards_of(note).values()] == [("comer", "to eat"), ("to eat", "comer")]


@pytest.mark.parametrize(
    ("note_type", "values", "message"),
    [
        ("Basic", ["", "back"], "this note would have no card: fill in the field its first card shows (Front)"),
        ("Cloze", ["no deletion here", ""], "a cloze note needs at least one cloze deletion"),
        ("Cloze", [" ".join(f"{{{{c{n}::x}}}}" for n in range(1, NOTE_MAX_CARDS + 2)), ""], f"at most {NOTE_MAX_CARDS} cards"),
        ("Basic", ["x" * 10_001, "back"], "Front: a field may be at most 10,000 characters long"),
        ("Basic", ["front"], "a Basic note has 2 fields (Front, Back), not 1"),
        ("Basic", ["> " * 30 + "deep", "back"], "card 1 (Card 1), front: Lists, quotes and HTML tags may nest at most 20 levels deep"),
    ],
)
def test_a_note_that_cannot_be_saved_says_why_and_saves_nothing(owner, deck, note_type, values, message):
    with pytest.raises(NoteInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        note_create(owner=owner, deck=deck, note_type=note_type_builtin(name=note_type), field_values=values, tags=[])
    assert not Note.objects.exists() and not Card.objects.exists()


def test_a_note_goes_into_its_owners_deck_with_a_type_they_may_use(owner, other_learner, deck):
    strangers = note_type_create(owner=other_learner, spec=NoteTypeSpec("Theirs", "standard", ("Q",), (CardTemplate("C", "{{Q}}", "{{Q}}"),)))
    with pytest.raises(NoteInvalid, match="belongs to someone else"):
        note_create(owner=owner, deck=deck, note_type=strangers, field_values=["q"], tags=[])
    with pytest.raises(NoteInvalid, match="deck of its owner"):
        note_create(owner=other_learner, deck=deck, note_type=note_type_builtin(name="Basic"), field_values=["q", "a"], tags=[])


def test_an_imported_note_type_keeps_its_fields_and_templates_and_renders_its_cards(owner, deck):
    spec = NoteTypeSpec(
        name="Vocabulary", kind="standard", fields=("Word", "Meaning", "Example"),
        templates=(
            CardTemplate("Recognise", "{{Word}}{{#Example}}<br><i>{{Example}}</i>{{/Example}}", "{{FrontSide}}<hr id=answer>{{Meaning}}"),
            CardTemplate("Recall", "{{Meaning}}", "{{FrontSide}}<hr id=answer>{{Word}} {{Unknown}}"),
        ),
    )
    vocabulary = note_type_create(owner=owner, spec=spec)
    assert vocabulary.spec() == spec and not vocabulary.is_builtin

    note = note_create(owner=owner, deck=deck, note_type=vocabulary, field_values=["perro", "dog", ""], tags=[])
    assert [(card.front, card.back) for card in cards_of(note).values()] == [("perro", "dog"), ("dog", "perro")]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (NoteTypeSpec("Bad", "standard", ("A", "a"), (CardTemplate("C", "{{A}}", ""),)), "two fields share a name"),
        (NoteTypeSpec("Bad", "standard", tuple(f"F{n}" for n in range(200)), (CardTemplate("C", "{{F1}}", ""),)), "1 to 100 fields"),
        (NoteTypeSpec("Bad", "standard", ("A:B",), (CardTemplate("C", "{{A}}", ""),)), "field name 'A:B'"),
        (NoteTypeSpec("Bad", "cloze", ("Text",), (CardTemplate("1", "{{cloze:Text}}", ""), CardTemplate("2", "", ""))), "exactly one"),
        (NoteTypeSpec("Bad", "standard", ("A",), (CardTemplate("C", "{{#A}}" * 30, ""),)), "nest at most 20 deep"),
    ],
)
def test_a_note_type_that_cannot_be_used_is_refused(owner, spec, message):
    with pytest.raises(NoteInvalid, match=message):
        note_type_create(owner=owner, spec=spec)
    assert not NoteType.objects.filter(owner=owner).exists()


def test_a_card_typed_as_front_and_back_is_a_basic_note(owner, deck):
    card = card_create(deck=deck, front="Capital of Peru?", back="Lima", tags=["geo"])
    assert (card.note.note_type.name, card.note.field_values, card.note.tags) == ("Basic", ["Capital of Peru?", "Lima"], ["geo"])

    card_update(card=card, front="Capital of Chile?", back="Santiago", tags=[])
    assert (card.front, card.back, card.note.field_values) == ("Capital of Chile?", "Santiago", ["Capital of Chile?", "Santiago"])

    cloze_card = cards_of(cloze_note(owner, deck))[0]
    with pytest.raises(NoteInvalid, match="edit its note"):
        card_update(card=cloze_card, front="x", back="y", tags=[])


def test_a_card_showing_its_deck_name_follows_a_rename(owner, deck):
    spec = NoteTypeSpec("Where", "standard", ("Q",), (CardTemplate("C", "{{Q}} ({{Subdeck}})", "{{Deck}}"),))
    note = note_create(owner=owner, deck=deck, note_type=note_type_create(owner=owner, spec=spec), field_values=["q"], tags=[])
    assert cards_of(note)[0].front == "q (Geography)"

    deck_update(deck=deck, title="World::Places", description="", visibility=deck.visibility)
    assert (cards_of(note)[0].front, cards_of(note)[0].back) == ("q (Places)", "World::Places")
