"""``manage.py simulate_learners``: record study logs of simulated learners through the real study service.

The simulated learners consent to research exports from their first simulated day
(``--no-consent``: they do not), so a fresh install has logs a researcher can export
and evaluate (docs/research-exports.md).
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.cards.management.commands.load_demo import DEMO_DECK_TITLE
from apps.cards.models import Deck
from apps.modeling.scopes import Scope
from apps.modeling.simulation import study_logs_simulate
from apps.research.services import research_consent_give


class Command(BaseCommand):
    help = "Simulated learners (forgetting and transfer between similar cards) study a deck day by day."

    def add_arguments(self, parser):
        parser.add_argument("--deck", help="deck id or uuid (default: the demo deck of load_demo)")
        parser.add_argument("--learners", type=int, required=True)
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--no-consent", dest="consent", action="store_false",
            help="do not give the simulated learners research consent (by default they consent from their first day)",
        )

    def handle(self, *args, deck, learners, days, seed, consent, **options):
        target = self._deck(deck)
        with tqdm(total=days, desc="days simulated", unit="day", file=self.stderr) as bar:
            result = study_logs_simulate(
                deck=target, learners=learners, days=days, seed=seed, progress=lambda done: bar.update(done - bar.n)
            )
        if consent:
            for account in result.accounts:
                research_consent_give(learner=account, now=result.started_at)
        self.stdout.write(f"{result.learners} simulated learners studied “{target.title}” for {result.days} days: {result.logs} study logs.")
        self.stdout.write(
            "They consent to research exports from their first day (manage.py export_study_logs)."
            if consent else "They have not given research consent (--no-consent): research exports leave their logs out."
        )

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
