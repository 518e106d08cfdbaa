"""Who may run experiments on a deck: its owner and staff. Anyone else gets 404, as if it did not exist."""

from django.http import Http404

from apps.cards.models import Deck
from apps.experiments.models import Experiment


def _may_manage(user, deck: Deck) -> bool:
    return user.is_staff or deck.owner_id == user.pk


def deck_for_experiments(user, deck_uuid) -> Deck:
    """A deck whose experiments the user may see and run, else 404."""
    deck = Deck.objects.filter(uuid=deck_uuid).first()
    if deck is None or not _may_manage(user, deck):
        raise Http404("No such deck")
    return deck


def experiment_for_manager(user, experiment_uuid) -> Experiment:
    """An experiment on a live deck the user may manage, else 404."""
    experiment = Experiment.objects.select_related("deck", "created_by").filter(uuid=experiment_uuid, deck__deleted_at__isnull=True).first()
    if experiment is None or not _may_manage(user, experiment.deck):
        raise Http404("No such experiment")
    return experiment
