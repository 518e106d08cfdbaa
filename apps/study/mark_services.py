"""Writes of a learner's card marks: suspend, bury (a card, or its note's other cards), flag.

Each function but ``card_siblings_bury`` and ``card_siblings_unbury`` (which follow an answer and its undo) takes the learner
and the cards (one ``Card`` or several) and checks first that the learner may study every one of them (``apps.cards.access``): a
stranger's card raises ``Http404`` before any mark is written. A mark is an upsert of
the learner's one ``CardMark`` row per card, so marking many cards costs one query.
"""

from collections.abc import Iterable
from datetime import datetime

from django.http import Http404
from django.utils import timezone

from apps.cards.access import card_open_to
from apps.cards.models import Card
from apps.study.answer_sql import sibling_ids_to_bury
from apps.study.models import CardMark, StudyLog
from apps.study.selectors import cards_excluded_from_study, start_of_next_day


def _studyable_ids(*, learner, cards: Card | Iterable[Card]) -> list[int]:
    """The cards' ids, once each; 404 when the learner may not study one of them."""
    cards = [cards] if isinstance(cards, Card) else list(cards)
    if not all(card_open_to(card, learner.pk) for card in cards):
        raise Http404("No such card")
    return sorted({card.pk for card in cards})


def _marks_set(*, learner, card_ids: list[int], **values) -> int:
    """Set ``values`` on the learner's marks of these cards, creating the rows that do not exist yet; how many cards."""
    CardMark.objects.bulk_create(
        [CardMark(learner=learner, card_id=card_id, **values) for card_id in card_ids],
        update_conflicts=True, unique_fields=["learner", "card"], update_fields=[*values, "updated_at"],
    )
    return len(card_ids)


def _marks_clear(*, learner, card_ids: list[int], **values) -> int:
    """Set ``values`` (a mark's "none") on the learner's existing marks of these cards; a card without a row has no mark."""
    CardMark.objects.filter(learner=learner, card_id__in=card_ids).update(**values, updated_at=timezone.now())
    return len(card_ids)


def card_suspend(*, learner, cards: Card | Iterable[Card]) -> int:
    """Keep the cards out of the learner's study until unsuspended; how many cards."""
    return _marks_set(learner=learner, card_ids=_studyable_ids(learner=learner, cards=cards), suspended=True)


def card_unsuspend(*, learner, cards: Card | Iterable[Card]) -> int:
    return _marks_clear(learner=learner, card_ids=_studyable_ids(learner=learner, cards=cards), suspended=False)


def card_bury(*, learner, cards: Card | Iterable[Card], now: datetime | None = None) -> int:
    """Keep the cards out of the learner's study until the start of their next day, as Anki's bury."""
    buried_until = start_of_next_day(now or timezone.now())
    card_ids = _studyable_ids(learner=learner, cards=cards)
    return _marks_set(learner=learner, card_ids=card_ids, buried_until=buried_until, buried_by=None)


def card_unbury(*, learner, cards: Card | Iterable[Card]) -> int:
    return _marks_clear(learner=learner, card_ids=_studyable_ids(learner=learner, cards=cards), buried_until=None, buried_by=None)


def card_flag(*, learner, cards: Card | Iterable[Card], flag: int) -> int:
    """Give the cards one of Anki's flags (1 red ... 7 purple), or take it off (0)."""
    if isinstance(flag, bool) or flag not in CardMark.Flag.values:
        raise ValueError(f"a flag is a whole number from 0 (none) to 7, got {flag!r}")
    card_ids = _studyable_ids(learner=learner, cards=cards)
    if flag == CardMark.Flag.NONE:
        return _marks_clear(learner=learner, card_ids=card_ids, flag=flag)
    return _marks_set(learner=learner, card_ids=card_ids, flag=flag)


def card_siblings_bury(*, log: StudyLog) -> int:
    """Bury the other cards of the answered card's note until the learner's next day, as Anki buries siblings after an answer.

    Only siblings the learner may study, not already suspended or buried, and not
    those they are learning within the day (in learning or relearning steps): as in
    Anki, those keep their steps. Each mark records ``log`` as what buried it, so
    undoing the answer unburies exactly these (``card_siblings_unbury``). Called when
    an answer is recorded, whose card the learner was shown (access was checked then).
    """
    learner, card, now = log.learner, log.card, log.answered_at
    siblings = sibling_ids_to_bury(learner=learner, card=card, excluded=cards_excluded_from_study(learner=learner, now=now))
    return _marks_set(learner=learner, card_ids=siblings, buried_until=start_of_next_day(now), buried_by=log)


def card_siblings_unbury(*, log: StudyLog) -> int:
    """Unbury the siblings that answering ``log`` buried (not those buried since by hand or by another answer); how many."""
    return CardMark.objects.filter(learner_id=log.learner_id, buried_by=log).update(buried_until=None, buried_by=None, updated_at=timezone.now())
