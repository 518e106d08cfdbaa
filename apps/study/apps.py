from django.apps import AppConfig


class StudyConfig(AppConfig):
    """Study sessions, the append-only study log, per-card FSRS state, the study UI and API."""

    name = "apps.study"
    label = "study"

    def ready(self) -> None:
        from apps.cards.deck_counts import count_decks_with
        from apps.study import signals  # noqa: F401  (card states follow their cards to another deck)
        from apps.study.deck_counts import study_counts_by_deck

        count_decks_with(study_counts_by_deck)
