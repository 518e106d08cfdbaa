"""Every existing card becomes a Basic note; every deck takes its place in its owner's deck tree.

Cards: each card (hidden ones too) becomes the one card of its own Basic note, with
Front = its front and Back = its back, its tags, its deck's owner, its creation and
deletion times, and a guid derived from the card's UUID (so exporting twice gives Anki
the same note). The card's text is not rendered again: front, back and content hash
stay as they were, and with them the card's embeddings and every log and state that
points at it (a Basic note renders to exactly those two sides).

Decks: a live deck's title becomes a tree name (``A :: B`` -> ``A::B``, empty parts
dropped); missing parents of a ``Parent::Child`` title are created, private and empty;
a title that another live deck of the owner already has (ignoring case) gets `` (2)``,
`` (3)``... Each card's ``subdeck`` (the Anki deck an import read it from) becomes a
deck under the card's deck, with that deck's visibility, and the card moves into it
(the learners' card states with it). Study logs and showings keep the deck they were
recorded in. Decks made only for hidden cards are created hidden.
"""

import uuid

from django.db import migrations

from apps.cards.deck_names import SEPARATOR
from knowledge_tracing.anki.note_types import BASIC, guid_for_number

BATCH = 2000


def _parts(title: str) -> list[str]:
    return [part.strip() for part in title.split(SEPARATOR) if part.strip()]


def _basic_note_type(apps):
    NoteType = apps.get_model("cards", "NoteType")
    note_type, created = NoteType.objects.get_or_create(owner=None, name=BASIC.name, defaults={"kind": BASIC.kind, "css": BASIC.css})
    if created:
        for position, name in enumerate(BASIC.fields):
            apps.get_model("cards", "NoteField").objects.create(note_type=note_type, ord=position, name=name)
        for position, template in enumerate(BASIC.templates):
            apps.get_model("cards", "CardTemplate").objects.create(
                note_type=note_type, ord=position, name=template.name, front_template=template.front, back_template=template.back
            )
    return note_type


def cards_become_basic_notes(apps, schema_editor):
    Card, Note = apps.get_model("cards", "Card"), apps.get_model("cards", "Note")
    Note._meta.get_field("created_at").auto_now_add = False  # a note is as old as its card
    basic = _basic_note_type(apps)
    last_id = 0
    while True:
        cards = list(Card.objects.filter(id__gt=last_id, note__isnull=True).select_related("deck").order_by("id")[:BATCH])
        if not cards:
            return
        notes = Note.objects.bulk_create(
            Note(
                uuid=uuid.uuid4(), guid=guid_for_number(card.uuid.int >> 64), owner_id=card.deck.owner_id, note_type=basic,
                field_values=[card.front, card.back], tags=card.tags, created_at=card.created_at, deleted_at=card.deleted_at,
            )
            for card in cards
        )
        for card, note in zip(cards, notes):
            card.note_id, card.ord = note.pk, 0
        Card.objects.bulk_update(cards, ["note", "ord"])
        last_id = cards[-1].id


class _OwnerTree:
    """One owner's decks while they are named and linked: live decks by lower-case title."""

    def __init__(self, Deck, owner_id: int) -> None:
        self.Deck = Deck
        self.owner_id = owner_id
        self.live: dict[str, object] = {}
        self.hidden_children: dict[tuple[int, str], object] = {}

    def place(self, deck) -> None:
        """Give a live deck its tree name, under its (possibly new) parent."""
        parts = _parts(deck.title) or ["Untitled"]
        leaf, suffix = parts[-1], 1
        while SEPARATOR.join(parts).lower() in self.live:
            suffix += 1
            parts[-1] = f"{leaf} ({suffix})"
        parent = None
        for depth in range(1, len(parts)):
            parent = self.child(parent, parts[depth - 1], visibility="private", deleted_at=None)
        deck.title, deck.parent = SEPARATOR.join(parts), parent
        deck.save(update_fields=["title", "parent"])
        self.live[deck.title.lower()] = deck

    def child(self, parent, part: str, *, visibility: str, deleted_at):
        """The deck named ``part`` under ``parent`` (top level when None), created when missing."""
        title = f"{parent.title}{SEPARATOR}{part}" if parent is not None else part
        parent_live = parent is None or parent.deleted_at is None
        existing = self.live.get(title.lower()) if parent_live else None
        if existing is None and deleted_at is not None:
            existing = self.hidden_children.get((parent.pk if parent else 0, part.lower()))
        if existing is not None:
            return existing
        deck = self.Deck.objects.create(
            uuid=uuid.uuid4(), owner_id=self.owner_id, title=title, parent=parent, visibility=visibility, deleted_at=deleted_at
        )
        if deleted_at is None:
            self.live[title.lower()] = deck
        else:
            self.hidden_children[(parent.pk if parent else 0, part.lower())] = deck
        return deck


def decks_become_a_tree(apps, schema_editor):
    Deck, Card = apps.get_model("cards", "Deck"), apps.get_model("cards", "Card")
    CardState = apps.get_model("study", "CardState")
    for owner_id in Deck.objects.order_by().values_list("owner_id", flat=True).distinct():
        tree = _OwnerTree(Deck, owner_id)
        decks = list(Deck.objects.filter(owner_id=owner_id).order_by("id"))
        original_leaf = {deck.pk: (_parts(deck.title) or [""])[-1].lower() for deck in decks}
        for deck in sorted((deck for deck in decks if deck.deleted_at is None), key=lambda deck: (len(_parts(deck.title)), deck.pk)):
            tree.place(deck)
        # live cards first, so that a deck a live card needs is never one made hidden for a hidden card
        subdecked = Card.objects.filter(deck__owner_id=owner_id).exclude(subdeck="").select_related("deck")
        for card in sorted(subdecked, key=lambda card: (card.deleted_at is not None or card.deck.deleted_at is not None, card.pk)):
            parts = _parts(card.subdeck)
            if parts and parts[0].lower() == original_leaf[card.deck_id]:
                parts = parts[1:]
            if not parts:
                continue
            hidden = card.deleted_at or card.deck.deleted_at
            target = card.deck
            for part in parts:
                target = tree.child(target, part, visibility=card.deck.visibility, deleted_at=hidden)
            Card.objects.filter(pk=card.pk).update(deck=target)
            CardState.objects.filter(card_id=card.pk).update(deck=target)


class Migration(migrations.Migration):

    dependencies = [
        ("cards", "0004_notes_and_deck_tree"),
    ]

    operations = [
        migrations.RunPython(cards_become_basic_notes, migrations.RunPython.noop),
        migrations.RunPython(decks_become_a_tree, migrations.RunPython.noop),
    ]
