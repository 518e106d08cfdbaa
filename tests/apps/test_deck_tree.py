"""Decks form one tree per owner: ``A::B::C`` names a deck under ``A::B``; moving a deck moves its subtree; access stays per deck."""

import uuid

import pytest

from apps.cards.deck_names import DeckNameError
from apps.cards.models import Card, Deck, Note
from apps.cards.selectors import deck_subtree
from apps.cards.services import card_create, deck_create, deck_delete, deck_update
from apps.study.models import CardState, StudyLog
from apps.study.services import shown_card_choose_next, study_log_record, study_session_next, study_session_start

pytestmark = pytest.mark.django_db


def titles(owner) -> list[tuple[str, str | None]]:
    return sorted(Deck.objects.filter(owner=owner).values_list("title", "parent__title"))


def test_a_deck_named_with_its_parents_creates_the_missing_ones(owner):
    verbs = deck_create(owner=owner, title=" Languages :: Spanish::Verbs ", visibility="public")
    deck_create(owner=owner, title="Languages::French")

    assert titles(owner) == [
        ("Languages", None), ("Languages::French", "Languages"), ("Languages::Spanish", "Languages"),
        ("Languages::Spanish::Verbs", "Languages::Spanish"),
    ]
    assert (verbs.title, verbs.name, verbs.depth) == ("Languages::Spanish::Verbs", "Verbs", 2)
    assert Deck.objects.get(title="Languages").visibility == "private", "a parent made on the way is private and empty"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("languages", "you already have a deck named “languages”"),
        ("A::::B", "every part of a deck name"),
        ("A\tB", "control characters"),
        ("x" * 501, "at most 500 characters"),
        ("::".join("d" * 21), "at most 20 levels deep"),
    ],
)
def test_a_deck_name_that_cannot_be_used_is_refused(owner, name, message):
    deck_create(owner=owner, title="Languages")
    with pytest.raises(DeckNameError, match=message):
        deck_create(owner=owner, title=name)
    assert titles(owner) == [("Languages", None)]


def test_names_are_unique_per_owner_only(owner, other_learner):
    deck_create(owner=owner, title="Languages")
    assert deck_create(owner=other_learner, title="Languages").title == "Languages"


def test_renaming_a_deck_moves_its_subtree(owner):
    deck_create(owner=owner, title="Languages::Spanish::Verbs")
    spanish = Deck.objects.get(title="Languages::Spanish")
    card = card_create(deck=Deck.objects.get(title="Languages::Spanish::Verbs"), front="hablar", back="to speak", tags=[])

    deck_update(deck=spanish, title="Romance::Castilian", description="", visibility="private")

    assert titles(owner) == [
        ("Languages", None), ("Romance", None), ("Romance::Castilian", "Romance"), ("Romance::Castilian::Verbs", "Romance::Castilian"),
    ]
    assert Card.objects.get(pk=card.pk).deck.title == "Romance::Castilian::Verbs"


def test_a_deck_cannot_move_inside_itself_or_onto_another(owner):
    spanish = deck_create(owner=owner, title="Languages::Spanish")
    languages = Deck.objects.get(title="Languages")
    with pytest.raises(DeckNameError, match="cannot be moved inside itself"):
        deck_update(deck=languages, title="Languages::Spanish::Languages", description="", visibility="private")
    with pytest.raises(DeckNameError, match="already have a deck named"):
        deck_update(deck=spanish, title="languages", description="", visibility="private")
    deck_update(deck=spanish, title="Languages::SPANISH", description="", visibility="private")
    assert titles(owner) == [("Languages", None), ("Languages::SPANISH", "Languages")]


def test_deleting_a_parent_hides_its_subtree_cards_and_notes_and_keeps_logs(owner):
    verbs = deck_create(owner=owner, title="Languages::Spanish::Verbs")
    french = deck_create(owner=owner, title="French")
    card = card_create(deck=verbs, front="hablar", back="to speak", tags=[])
    kept = card_create(deck=french, front="parler", back="to speak", tags=[])
    shown = shown_card_choose_next(learner=owner, deck=verbs)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=800, shown_uuid=shown.uuid)

    deck_delete(deck=Deck.objects.get(title="Languages"))

    assert titles(owner) == [("French", None)]
    assert list(Card.objects.all()) == [kept] and list(Note.objects.all()) == [kept.note]
    assert Card.all_objects.get(pk=card.pk).deleted_at is not None
    assert StudyLog.objects.get().card_id == card.pk
    assert deck_create(owner=owner, title="Languages").parent is None, "a hidden deck's name can be used again"


def test_studying_a_parent_studies_its_children(owner):
    languages = deck_create(owner=owner, title="Languages")
    verbs = deck_create(owner=owner, title="Languages::Spanish::Verbs")
    own = card_create(deck=languages, front="idioma", back="language", tags=[])
    verb = card_create(deck=verbs, front="hablar", back="to speak", tags=[])
    session = study_session_start(learner=owner, deck=languages)

    seen = []
    for _ in range(2):
        shown = study_session_next(session=session)
        seen.append(shown.card)
        # Easy: no learning step left, so the session has nothing more once both are answered
        log, _ = study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=4, response_ms=500, shown_uuid=shown.uuid)
        assert shown.deck == languages and log.deck == shown.card.deck

    assert sorted(card.pk for card in seen) == [own.pk, verb.pk]
    assert CardState.objects.get(card=verb).deck == verbs
    assert study_session_next(session=session) is None


def test_access_stays_per_deck_in_a_tree(owner, other_learner):
    public_parent = deck_create(owner=owner, title="Shared", visibility="public")
    private_child = deck_create(owner=owner, title="Shared::Mine")
    public_grandchild = deck_create(owner=owner, title="Shared::Mine::Open", visibility="public")
    for deck in (public_parent, private_child, public_grandchild):
        card_create(deck=deck, front=f"in {deck.title}", back="a", tags=[])

    assert set(deck_subtree(public_parent, open_to=other_learner)) == {public_parent, public_grandchild}
    assert set(deck_subtree(public_parent, open_to=owner)) == {public_parent, private_child, public_grandchild}
    assert set(deck_subtree(private_child)) == {private_child, public_grandchild}
    studied = set()
    while (shown := shown_card_choose_next(learner=other_learner, deck=public_parent)) is not None:
        studied.add(shown.card.front)
        study_log_record(learner=other_learner, card=shown.card, log_uuid=uuid.uuid4(), grade=4, response_ms=500, shown_uuid=shown.uuid)
    assert studied == {"in Shared", "in Shared::Mine::Open"}
