"""The decks assigned to a cohort: which it has, which its learners study, which its owner may still assign.

Here, not in ``accounts``: a cohort is an accounts row, but what may be assigned to it
is decided by the decks' visibility, and accounts sits below cards.
"""

from apps.accounts.models import Cohort
from apps.accounts.services import CohortInvalid
from apps.cards.access import deck_open_to, visible_decks
from apps.cards.models import Deck
from apps.cards.selectors import deck_subtree


def cohort_assign_deck(*, cohort: Cohort, deck: Deck) -> None:
    """Assign a live deck the cohort's owner may hand out (their own, or a public one); again changes nothing."""
    if deck.deleted_at is not None:
        raise CohortInvalid(f"the deck “{deck.title}” was deleted")
    if not deck_open_to(deck, cohort.owner_id):
        raise CohortInvalid(f"the deck “{deck.title}” is private to another owner")
    cohort.decks.add(deck)


def cohort_unassign_deck(*, cohort: Cohort, deck: Deck) -> None:
    cohort.decks.remove(deck)


def cohort_decks(cohort: Cohort):
    """The cohort's live decks (the related manager is Deck's, which hides deleted ones)."""
    return cohort.decks.order_by("title", "id")


def cohort_covered_decks(cohort: Cohort) -> list:
    """The cohort's decks and the decks below them that its owner may hand out: what its learners study and its dashboards count.

    A learner studying an assigned parent deck studies its children (``deck_subtree``),
    and their answers and card states are on the children's decks.
    """
    covered = {}
    for deck in cohort.decks.all():
        covered.update((below.pk, below) for below in deck_subtree(deck, open_to=cohort.owner))
    return list(covered.values())


def cohort_assignable_decks(cohort: Cohort):
    """Decks the cohort's owner may hand out (their own and public ones) not assigned to it yet."""
    return visible_decks(cohort.owner).exclude(cohorts=cohort).order_by("title", "id")
