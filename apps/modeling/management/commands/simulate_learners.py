"""``manage.py simulate_learners``: record study logs of simulated learners through the real study service."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.cards.management.commands.load_demo import DEMO_DECK_TITLE
from apps.cards.models import Deck
from apps.modeling.scopes import Scope
from apps.modeling.simulation import study_logs_simulate


class Command(BaseCommand):
    help = "Simulated learners (forgetting and transfer between similar cards) study a deck day by day."

    def add_arguments(self, parser):
        parser.add_argument("--deck", help="deck id or uuid (default: the demo deck of load_demo)")
        parser.add_argument("--learners", type=int, required=True)
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, deck, learners, days, seed, **options):
        target = self._deck(deck)
        with tqdm(total=days, desc="days simulated", unit="day", file=self.stderr) as bar:
            result = study_logs_simulate(
                deck=target, learners=learners, days=days, seed=seed, progress=lambda done: bar.update(done - bar.n)
            )
        self.stdout.write(f"{result.learners} simulated learners studied “{target.title}” for {result.days} days: {result.logs} study logs.")

    def _deck(self, deck: str | None) -> Deck:
        if deck is None:
            demo = Deck.objects.filter(title=DEMO_DECK_TITLE).first()
            if demo is None:
                raise CommandError("no demo deck: run manage.py load_demo first, or pass --deck")
            return demo
        try:
            return Deck.objects.get(pk=Scope.parse(f"deck:{deck}").deck_id)
        except ValueError as error:
            raise CommandError(str(error)) from None
