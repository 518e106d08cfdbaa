"""What studying does when the cards app changes cards under it (``apps.cards.signals``)."""

from django.dispatch import receiver

from apps.cards.signals import cards_moved
from apps.study.models import CardState


@receiver(cards_moved, dispatch_uid="study-card-states-follow-their-cards")
def card_states_follow_their_cards(*, deck, card_ids, **_) -> None:
    """Every learner's state of a moved card is counted in the card's new deck (in the move's transaction)."""
    CardState.objects.filter(card_id__in=card_ids).update(deck=deck)
