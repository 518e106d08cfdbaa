"""Signals the cards app sends for writes that bypass ``post_save``.

``cards_imported`` is sent inside the transaction that bulk-creates a deck's cards
(a deck file import, the demo deck), since ``bulk_create`` sends no ``post_save``:
whatever follows a new card (its text embedding) listens to it as well.

``cards_moved`` is sent inside the transaction that moves cards to another deck, so that
the rows above cards that keep a card's deck (each learner's card state) move with it
without cards importing them.
"""

from django.dispatch import Signal

cards_imported = Signal()  # sender: Deck; deck: the deck that received new cards
cards_moved = Signal()  # sender: Deck; deck: where the cards now are; card_ids: the moved cards' ids
