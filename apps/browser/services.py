"""The browser's bulk actions: each fetches the cards it may act on (all or 404) and changes them in one transaction.

Marks (suspend, bury, flag) are the viewer's own and allowed on any card they may
study (``apps.study.mark_services``); tags, moves and deletions change the cards
themselves and are allowed only on the viewer's own cards (``apps.cards.bulk_services``).
A stranger's card among the ids is a 404 before anything is written.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from apps.cards.access import cards_for_owner, cards_for_study
from apps.cards.bulk_services import cards_move, cards_notes_delete, cards_tags_change
from apps.study.mark_services import card_bury, card_flag, card_suspend, card_unbury, card_unsuspend
from apps.study.models import CardMark


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class BulkAction:
    """``run(user, cards, data)`` does the action and says what it did; ``owned`` limits it to the user's own cards."""

    owned: bool
    run: Callable[..., str]


def _flag(user, cards, data) -> str:
    card_flag(learner=user, cards=cards, flag=data["flag"])
    if data["flag"] == CardMark.Flag.NONE:
        return f"Took the flags off {_counted(len(cards), 'card')}."
    return f"Flagged {_counted(len(cards), 'card')} {CardMark.Flag(data['flag']).label.lower()}."


BULK_ACTIONS = {
    "suspend": BulkAction(False, lambda user, cards, data: f"Suspended {_counted(card_suspend(learner=user, cards=cards), 'card')}."),
    "unsuspend": BulkAction(False, lambda user, cards, data: f"Unsuspended {_counted(card_unsuspend(learner=user, cards=cards), 'card')}."),
    "bury": BulkAction(False, lambda user, cards, data: f"Buried {_counted(card_bury(learner=user, cards=cards), 'card')} until tomorrow."),
    "unbury": BulkAction(False, lambda user, cards, data: f"Unburied {_counted(card_unbury(learner=user, cards=cards), 'card')}."),
    "flag": BulkAction(False, _flag),
    "add_tags": BulkAction(True, lambda user, cards, data: f"Tagged {_counted(cards_tags_change(cards=cards, add=data['tags']), 'note')}."),
    "remove_tags": BulkAction(True, lambda user, cards, data: f"Removed the tags from {_counted(cards_tags_change(cards=cards, remove=data['tags']), 'note')}."),
    "move": BulkAction(True, lambda user, cards, data: f"Moved {_counted(cards_move(cards=cards, deck=data['deck']), 'card')} to “{data['deck'].title}”."),
    "delete": BulkAction(True, lambda user, cards, data: f"Deleted {_counted(cards_notes_delete(cards=cards), 'note')} and their cards."),
}


def bulk_cards(*, user, action: str, card_uuids) -> list:
    """The cards ``action`` would act on: all of them, or Http404 when one is not the user's to act on."""
    return (cards_for_owner if BULK_ACTIONS[action].owned else cards_for_study)(user, card_uuids)


def bulk_action_run(*, user, action: str, cards: list, data: dict) -> str:
    """Do ``action`` on ``cards`` (from ``bulk_cards``) in one transaction; what was done, in words.

    ``BulkActionRefused`` (from the cards' services) leaves everything as it was.
    """
    with transaction.atomic():
        return BULK_ACTIONS[action].run(user, cards, data)
