"""Each of Anki's search words, as the browser's search box runs it for one learner (``apps.browser.search``)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.browser.query_parser import MAX_NESTING, MAX_QUERY_CHARS, MAX_TERMS, QueryError
from apps.browser.search import card_search
from apps.cards.services import card_create, deck_create
from apps.study.mark_services import card_bury, card_flag, card_suspend, card_unsuspend
from apps.study.models import CardMark, CardState
from tests.apps.browser.conftest import studied

pytestmark = pytest.mark.django_db


def found(query: str, viewer, collection) -> set[str]:
    names = {card.pk: name for name, card in collection.cards.items()}
    return {names.get(card.pk, card.front) for card in card_search(query, viewer=viewer)}


def test_a_blank_search_finds_every_card_the_viewer_may_see(owner, collection, other_learner):
    assert found("", owner, collection) == {"hola", "comer", "ser", "chat", "paris"}
    assert found("  ", other_learner, collection) == set()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hola", {"hola"}),
        ("HELLO", {"hola"}),
        ("to", {"comer", "ser"}),
        ("to eat", {"comer"}),
        ('"to eat"', {"comer"}),
        ('"to be"', {"ser"}),
        ("co*er", {"comer"}),
        ("100%", {"ser"}),
        ("le_chat", set()),
        ("Paris", {"paris"}),
        ("nothing-like-this", set()),
    ],
)
def test_free_text_searches_front_and_back(owner, collection, query, expected):
    assert found(query, owner, collection) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deck:Languages", {"hola", "comer", "ser"}),
        ("deck:languages::spanish::verbs", {"comer", "ser"}),
        ('deck:"French words"', {"chat", "paris"}),
        ('"deck:French words"', {"chat", "paris"}),
        ("deck:French", set()),
        ("deck:Fr*", {"chat", "paris"}),
        ("deck:*::Verbs", {"comer", "ser"}),
        ("deck:*", {"hola", "comer", "ser", "chat", "paris"}),
        ("-deck:Languages::Spanish::Verbs", {"hola", "chat", "paris"}),
    ],
)
def test_deck_finds_the_deck_and_the_decks_inside_it(owner, collection, query, expected):
    assert found(query, owner, collection) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:verb", {"comer", "ser"}),
        ("tag:verb::irregular", {"ser"}),
        ("tag:VERB::Regular", {"comer"}),
        ("tag:ver", set()),
        ("tag:ver*", {"comer", "ser"}),
        ("tag:*regular", {"comer", "ser"}),
        ("tag:g*", {"greeting", "paris"} - {"greeting"} | {"hola"}),
        ("tag:none", {"chat"}),
        ("-tag:none", {"hola", "comer", "ser", "paris"}),
        ("tag:core tag:verb", {"ser"}),
    ],
)
def test_tag_finds_the_tag_and_the_tags_below_it(owner, collection, query, expected):
    assert found(query, owner, collection) == expected


def test_a_wildcard_tag_matches_within_one_tag_only(owner, collection):
    """``tag:v*e`` must not match a card tagged ``verb::regular`` and ``core`` by running across the two."""
    assert found("tag:v*e", owner, collection) == set()
    assert found("tag:c*e", owner, collection) == {"ser"}


def test_note_finds_cards_by_note_type(owner, collection):
    assert found("note:Cloze", owner, collection) == {"paris"}
    assert found("note:basic", owner, collection) == {"hola", "comer", "ser", "chat"}
    assert found("note:Bas*", owner, collection) == {"hola", "comer", "ser", "chat"}


def test_is_words_read_the_viewers_own_card_states(owner, other_learner, collection, public_deck):
    cards = collection.cards
    studied(owner, cards["hola"], state=CardState.State.REVIEW, due_in=-timedelta(hours=1))
    studied(owner, cards["comer"], state=CardState.State.LEARNING, due_in=timedelta(minutes=10))
    studied(owner, cards["ser"], state=CardState.State.RELEARNING, due_in=-timedelta(minutes=1))

    def owners(query: str) -> set[str]:
        return found(query, owner, collection) & set(cards)

    assert owners("is:new") == {"chat", "paris"}
    assert owners("is:learn") == {"comer", "ser"}
    assert owners("is:review") == {"hola", "ser"}
    assert owners("is:due") == {"hola", "ser"}
    assert owners("-is:due") == {"comer", "chat", "paris"}
    assert owners("is:DUE or is:new") == {"hola", "ser", "chat", "paris"}

    public_card = public_deck.cards.first()
    studied(other_learner, public_card, due_in=-timedelta(days=1))
    assert {card.pk for card in card_search("is:due", viewer=other_learner)} == {public_card.pk}
    assert public_card.pk not in {card.pk for card in card_search("is:due", viewer=owner)}, "another learner's state is not the owner's"
    assert public_card.pk in {card.pk for card in card_search("is:new", viewer=owner)}


def test_is_due_follows_an_answer_again(owner, collection):
    """Grading a card Again through the study service makes it a learning card, due once its step is over."""
    import uuid

    from apps.study.services import shown_card_choose_next, study_log_record, study_session_start

    session = study_session_start(learner=owner, deck=collection.french)
    shown = shown_card_choose_next(learner=owner, deck=collection.french, session=session)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=1, response_ms=900, shown_uuid=shown.uuid)

    assert {card.pk for card in card_search("is:learn", viewer=owner)} == {shown.card.pk}
    assert shown.card.pk not in {card.pk for card in card_search("is:due", viewer=owner)}
    later = timezone.now() + timedelta(hours=1)
    assert shown.card.pk in {card.pk for card in card_search("is:due", viewer=owner, now=later)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prop:ivl>=10", {"comer"}),
        ("prop:ivl>10", set()),
        ("prop:ivl=10", {"comer"}),
        ("prop:ivl<10", {"hola", "ser", "chat", "paris"}),
        ("prop:ivl<=1", {"ser", "chat", "paris"}),
        ("prop:ivl=0", {"ser", "chat", "paris"}),
        ("prop:ivl!=10", {"hola", "ser", "chat", "paris"}),
        ("prop:due=0", {"ser"}),
        ("prop:due=1", {"hola"}),
        ("prop:due<0", {"comer"}),
        ("prop:due>=1", {"hola"}),
        ("prop:due!=1", {"comer", "ser"}),
        ("prop:reps=0", {"chat", "paris"}),
        ("prop:reps>2", {"hola", "comer"}),
        ("prop:lapses>=2", {"comer"}),
        ("prop:lapses=0", {"hola", "ser", "chat", "paris"}),
        ("PROP:Reps<4 prop:reps>0", {"hola", "ser"}),
    ],
)
def test_prop_compares_the_viewers_intervals_due_days_reviews_and_lapses(owner, collection, query, expected):
    now = timezone.localtime()
    noon_tomorrow = now.replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1) - now
    studied(owner, collection.cards["hola"], due_in=noon_tomorrow, interval=timedelta(days=4), reps=3)
    studied(owner, collection.cards["comer"], due_in=-timedelta(days=2), interval=timedelta(days=10, hours=3), reps=8, lapses=2)
    studied(owner, collection.cards["ser"], state=CardState.State.LEARNING, due_in=timedelta(seconds=0), interval=timedelta(minutes=10), reps=1)
    assert found(query, owner, collection) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hola or chat", {"hola", "chat"}),
        ("hola OR chat paris", {"hola"}),
        ("(hola or le) cat", {"chat"}),
        ("deck:Languages -tag:verb", {"hola"}),
        ("-(deck:Languages or note:Cloze)", {"chat"}),
        ("deck:Languages and tag:core", {"ser"}),
        ("--hola", {"hola"}),
        ("(((tag:verb)))", {"comer", "ser"}),
    ],
)
def test_negation_or_and_parentheses_combine_words(owner, collection, query, expected):
    assert found(query, owner, collection) == expected


def test_a_viewer_finds_public_decks_but_never_a_strangers_private_cards(owner, other_learner, collection, public_deck):
    assert found("deck:*", other_learner, collection) == set(public_deck.cards.values_list("front", flat=True))
    assert found("hola", other_learner, collection) == set()
    assert found('"Instructor\'s public deck question 1"', owner, collection) == {"Instructor's public deck question 1"}


def test_deleted_cards_and_decks_are_not_found(owner, collection):
    from apps.cards.services import card_delete, deck_delete

    card_delete(card=collection.cards["hola"])
    deck_delete(deck=collection.french)
    assert found("", owner, collection) == {"comer", "ser"}


def test_escapes_search_for_the_characters_themselves(owner, collection):
    deck = deck_create(owner=owner, title="Symbols")
    card_create(deck=deck, front="a*b at 10:30", back="(x)", tags=[])
    assert found(r"a\*b", owner, collection) == {"a*b at 10:30"}
    assert found("10:30", owner, collection) == {"a*b at 10:30"}
    assert found(r"at\:", owner, collection) == set()
    assert found(r"\(x\)", owner, collection) == {"a*b at 10:30"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * (MAX_QUERY_CHARS + 1), f"at most {MAX_QUERY_CHARS:,} characters"),
        ("(" * (MAX_NESTING + 1) + "a" + ")" * (MAX_NESTING + 1), f"nest at most {MAX_NESTING} deep"),
        (" ".join(["a"] * (MAX_TERMS + 1)), f"at most {MAX_TERMS} terms"),
        ("colour:red", "Unknown search word “colour:”"),
        ("is:sleepy", "Unknown “is:sleepy”"),
        ("deck:", "“deck:” needs something after it"),
        ("prop:ivl", "is not a comparison"),
        ("prop:ease>2", "Unknown property “ease”"),
        ("prop:ivl>99999999", "is not a comparison"),
        ('"unclosed', "never closed"),
        ("(a", "ends too soon"),
        ("a)", "Unexpected “)”"),
        ("or a", "Unexpected “or”"),
        ("a -", "ends too soon"),
        ("a\\", "backslash"),
    ],
)
def test_bad_searches_say_what_is_wrong(owner, collection, query, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        card_search(query, viewer=owner)




def test_marks_are_searched_per_learner_and_keep_suspended_and_buried_cards_out_of_is_due(owner, other_learner, collection, public_deck):
    cards = collection.cards
    for name in ("hola", "comer", "ser"):
        studied(owner, cards[name], due_in=-timedelta(hours=1))
    card_suspend(learner=owner, cards=[cards["hola"], cards["chat"]])
    card_bury(learner=owner, cards=cards["comer"])
    card_flag(learner=owner, cards=[cards["ser"], cards["chat"]], flag=CardMark.Flag.RED)
    card_flag(learner=owner, cards=cards["paris"], flag=CardMark.Flag.PURPLE)
    public_card = public_deck.cards.first()
    card_suspend(learner=other_learner, cards=public_card)

    def owners(query: str) -> set[str]:
        return found(query, owner, collection) & set(cards)

    assert owners("is:suspended") == {"hola", "chat"}
    assert owners("-is:suspended") == {"comer", "ser", "paris"}
    assert owners("is:buried") == {"comer"}
    assert owners("is:due") == {"ser"}
    assert owners("flag:1") == {"ser", "chat"}
    assert owners("flag:7") == {"paris"}
    assert owners("flag:0") == {"hola", "comer"}
    assert owners("flag:1 is:suspended or flag:7") == {"chat", "paris"}
    assert public_card.pk not in {card.pk for card in card_search("is:suspended", viewer=owner)}
    assert {card.pk for card in card_search("is:suspended", viewer=other_learner)} == {public_card.pk}

    card_unsuspend(learner=owner, cards=cards["hola"])
    card_flag(learner=owner, cards=cards["ser"], flag=CardMark.Flag.NONE)
    assert owners("is:suspended") == {"chat"}
    assert owners("flag:0") == {"hola", "comer", "ser"}
    assert card_search("is:buried", viewer=owner, now=timezone.now() + timedelta(days=2)).count() == 0, "buried until the next day only"


@pytest.mark.parametrize("query", ["flag:8", "flag:red", "flag:-1"])
def test_a_flag_is_a_number_from_0_to_7(owner, collection, query):
    with pytest.raises(QueryError, match="is not a flag"):
        card_search(query, viewer=owner)


def test_tags_with_letters_beyond_ascii_are_found(owner, collection):
    deck = deck_create(owner=owner, title="Cuisine")
    card_create(deck=deck, front="croissant", back="b", tags=["café::matin", "pâtisserie"])
    assert found("tag:café", owner, collection) == {"croissant"}
    assert found("tag:caf*", owner, collection) == {"croissant"}
    assert found("tag:*tisserie", owner, collection) == {"croissant"}
    assert found("tag:matin", owner, collection) == set()
