"""cards 0005: existing cards become Basic notes with their history intact; decks and Anki subdecks become one tree per owner."""

import uuid
from datetime import datetime, timezone

import pytest

from apps.cards.content import content_hash

BEFORE = [("cards", "0004_notes_and_deck_tree")]
AFTER = [("cards", "0006_notes_required_subdeck_folded")]
ANSWERED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.mark.django_db(transaction=True)
def test_cards_become_basic_notes_and_decks_a_tree_with_history_intact(migrate_to):
    apps = migrate_to(BEFORE)
    User, Deck, Card = (apps.get_model(*name) for name in (("auth", "User"), ("cards", "Deck"), ("cards", "Card")))
    learner, other = User.objects.create(username="migrated-learner"), User.objects.create(username="other-owner")

    def deck(title, owner=learner, **extra):
        return Deck.objects.create(owner=owner, title=title, **extra)

    def card(deck, front, back, subdeck="", **extra):
        return Card.objects.create(deck=deck, front=front, back=back, tags=["verbs"], content_hash=content_hash(front, back), subdeck=subdeck, **extra)

    languages = deck("Languages", visibility="public")
    hablar = card(languages, "hablar", "to speak", subdeck="Languages::Spanish::Verbs")
    plain = card(languages, "hola", "hello")
    gone = card(languages, "adiós", "bye", subdeck="Languages::Old", deleted_at=ANSWERED_AT)
    french = deck("Languages :: French")
    duplicate = deck("languages")
    orphan = deck("Maths::Algebra")
    others = deck("Languages", owner=other)
    CardState, StudyLog = apps.get_model("study", "CardState"), apps.get_model("study", "StudyLog")
    CardState.objects.create(
        learner=learner, card=hablar, deck=languages, state=2, due_at=ANSWERED_AT, last_review_at=ANSWERED_AT, first_studied_at=ANSWERED_AT, reps=1
    )
    log = StudyLog.objects.create(
        log_uuid=uuid.uuid4(), learner=learner, card=hablar, deck=languages, shown_at=ANSWERED_AT, answered_at=ANSWERED_AT,
        response_ms=1200, outcome=True, grade=3, policy="fsrs",
    )

    apps = migrate_to(AFTER)
    Deck, Card, Note = (apps.get_model("cards", name) for name in ("Deck", "Card", "Note"))
    decks = {(row.owner_id, row.title): row for row in Deck.objects.all()}

    for before in (hablar, plain, gone):
        after = Card.objects.get(pk=before.pk)
        note = Note.objects.get(pk=after.note_id)
        assert (after.front, after.back, after.content_hash, after.ord) == (before.front, before.back, before.content_hash, 0)
        assert (note.note_type.name, note.note_type.owner_id, note.owner_id) == ("Basic", None, learner.pk)
        assert (note.field_values, note.tags, note.created_at, note.deleted_at) == ([before.front, before.back], ["verbs"], before.created_at, before.deleted_at)
        assert 1 <= len(note.guid) <= 11
    assert Note.objects.count() == 3 and len({note.guid for note in Note.objects.all()}) == 3
    assert [field.name for field in Note.objects.get(pk=Card.objects.get(pk=plain.pk).note_id).note_type.note_fields.order_by("ord")] == ["Front", "Back"]

    verbs = decks[(learner.pk, "Languages::Spanish::Verbs")]
    spanish = decks[(learner.pk, "Languages::Spanish")]
    assert (verbs.parent_id, spanish.parent_id, verbs.visibility, spanish.visibility) == (spanish.pk, languages.pk, "public", "public")
    assert Card.objects.get(pk=hablar.pk).deck_id == verbs.pk and Card.objects.get(pk=plain.pk).deck_id == languages.pk
    assert CardState.objects.get(card_id=hablar.pk).deck_id == verbs.pk
    assert StudyLog.objects.get(pk=log.pk).deck_id == languages.pk, "a log keeps the deck its card was answered in"
    old = decks[(learner.pk, "Languages::Old")]
    assert Card.objects.get(pk=gone.pk).deck_id == old.pk and old.deleted_at == ANSWERED_AT, "a deck made for a hidden card is hidden"

    assert Deck.objects.get(pk=french.pk).title == "Languages::French" and Deck.objects.get(pk=french.pk).parent_id == languages.pk
    assert Deck.objects.get(pk=duplicate.pk).title == "languages (2)"
    maths = decks[(learner.pk, "Maths")]
    assert Deck.objects.get(pk=orphan.pk).parent_id == maths.pk and (maths.visibility, maths.deleted_at) == ("private", None)
    assert Deck.objects.get(pk=others.pk).title == "Languages", "names are unique per owner only"
