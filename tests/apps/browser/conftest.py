"""A small collection for the browser's tests: the owner's decks, notes of two types, tags, and card states of the owner's."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.cards.models import Card, Deck
from apps.cards.note_services import note_create, note_type_builtin
from apps.cards.services import card_create, deck_create
from apps.study.models import CardState


@dataclass
class Collection:
    spanish: Deck
    verbs: Deck
    french: Deck
    cards: dict[str, Card]


def studied(learner, card: Card, *, state=CardState.State.REVIEW, due_in=timedelta(days=3), interval=timedelta(days=5), reps=3, lapses=0):
    """The learner's state of ``card``: reviewed ``interval`` before its due date, due ``due_in`` from now."""
    now = timezone.now()
    return CardState.objects.create(
        learner=learner, card=card, deck=card.deck, state=state, stability=5.0, difficulty=5.0, due_at=now + due_in,
        last_review_at=now + due_in - interval, first_studied_at=now - timedelta(days=30), reps=reps, lapses=lapses,
    )


@pytest.fixture
def collection(owner) -> Collection:
    """Languages::Spanish (private) with Languages::Spanish::Verbs inside, and a French deck; one cloze note."""
    spanish = deck_create(owner=owner, title="Languages::Spanish")
    verbs = deck_create(owner=owner, title="Languages::Spanish::Verbs")
    french = deck_create(owner=owner, title="French words")
    cards = {
        "hola": card_create(deck=spanish, front="hola", back="hello", tags=["greeting"]),
        "comer": card_create(deck=verbs, front="comer", back="to eat", tags=["verb::regular"]),
        "ser": card_create(deck=verbs, front="ser", back="to be (100% irregular)", tags=["verb::irregular", "core"]),
        "chat": card_create(deck=french, front="le chat", back="the cat", tags=[]),
    }
    cloze = note_create(owner=owner, deck=french, note_type=note_type_builtin(name="Cloze"), field_values=["{{c1::Paris}} is in France", ""], tags=["geo"])
    cards["paris"] = cloze.cards.get()
    return Collection(spanish=spanish, verbs=verbs, french=french, cards=cards)
