"""Who may run experiments on a deck: its owner, and staff with the permission for the action. Anyone else gets 404."""

from django.http import Http404

from apps.accounts.roles import staff_may
from apps.cards.models import Deck
from apps.experiments.models import Experiment


def _may(user, deck: Deck, action: str) -> bool:
    return deck.owner_id == user.pk or staff_may(user, f"experiments.{action}_experiment")


def deck_for_experiments(user, deck_uuid, *, action: str = "view") -> Deck:
    """A deck whose experiments the user may see (``action="add"``: create), else 404."""
    deck = Deck.objects.filter(uuid=deck_uuid).first()
    if deck is None or not _may(user, deck, action):
        raise Http404("No such deck")
    return deck


def experiment_for_manager(user, experiment_uuid, *, action: str = "view") -> Experiment:
    """An experiment on a live deck the user may see (``action="change"``: edit, start, stop), else 404."""
    experiment = Experiment.objects.select_related("deck", "created_by").filter(uuid=experiment_uuid, deck__deleted_at__isnull=True).first()
    if experiment is None or not _may(user, experiment.deck, action):
        raise Http404("No such experiment")
    return experiment
