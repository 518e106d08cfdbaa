from django.apps import AppConfig


class DeckIoConfig(AppConfig):
    """Decks in and out as files (CSV, Anki packages and collections), with the learner's review history.

    Above ``cards`` and ``study`` because an Anki collection carries both: the notes and
    cards, and the learner's answers, card states and marks.
    """

    name = "apps.deck_io"
    label = "deck_io"
