"""``manage.py embed_deck --deck ID``: store the text embedding of every card of a deck, in batches, with a progress bar.

Cards whose text already has a stored vector (same content hash, same encoder) are skipped.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.cards.models import Card, Deck
from apps.modeling.embeddings import card_embeddings_ensure, encoder_name
from apps.modeling.scopes import Scope


class Command(BaseCommand):
    help = "Embed the text of every card of a deck with the configured sentence encoder (only texts not embedded yet)."

    def add_arguments(self, parser):
        parser.add_argument("--deck", required=True, help="deck id or uuid")

    def handle(self, *args, deck, **options):
        try:
            target = Deck.objects.get(pk=Scope.parse(f"deck:{deck}").deck_id)
        except ValueError as error:
            raise CommandError(str(error)) from None
        cards = list(Card.objects.filter(deck=target).order_by("id"))
        texts = len({card.content_hash for card in cards})
        with tqdm(total=texts, desc="texts encoded", unit="text", file=self.stderr) as bar:
            card_embeddings_ensure(cards=cards, progress=bar.update)
        self.stdout.write(f"“{target.title}”: {len(cards)} cards, {texts} distinct texts, all embedded with {encoder_name()}.")
