"""New / Learning / Due counts of many decks for one learner, in a fixed number of queries (the deck list's).

Counted per deck in grouped queries, then added up over each deck's tree (the deck and
the listed decks inside it, as studying it draws from them) and capped, as Anki caps
them, by what the deck's preset still allows today: New by the new-card limit left,
Due by the review limit left; Learning is never capped. Suspended and buried cards are
not counted. Installed as the cards app's provider (``apps.cards.deck_counts``).
"""

from datetime import datetime
from typing import Sequence

from django.db.models import Count, Q

from apps.cards.deck_counts import DeckCounts
from apps.cards.deck_names import SEPARATOR
from apps.cards.models import Card, Deck
from apps.study.models import DEFAULT_PRESET_NAME, IMPORTED_POLICY, CardState, DeckPreset, StudyLog, StudyPreset
from apps.study.selectors import cards_excluded_from_study, learning_today_condition, start_of_day


def _per_deck(rows, *names) -> dict[int, dict[str, int]]:
    return {row["deck_id"]: {name: row[name] for name in names} for row in rows}


def _presets(decks: Sequence[Deck]) -> dict[int, StudyPreset]:
    """Each deck's preset (two queries): the chosen one, else its owner's Default (Anki's defaults when not made yet)."""
    chosen = {choice.deck_id: choice.preset for choice in DeckPreset.objects.filter(deck__in=decks).select_related("preset")}
    defaults = {preset.owner_id: preset for preset in StudyPreset.objects.filter(owner_id__in={deck.owner_id for deck in decks}, name=DEFAULT_PRESET_NAME)}
    return {deck.pk: chosen.get(deck.pk) or defaults.get(deck.owner_id) or StudyPreset(name=DEFAULT_PRESET_NAME) for deck in decks}


def _tree_total(table: dict[int, dict[str, int]], tree: list[int], name: str) -> int:
    return sum(table.get(pk, {}).get(name, 0) for pk in tree)


def study_counts_by_deck(*, user, decks: Sequence[Deck], now: datetime) -> dict[int, DeckCounts]:
    decks = list(decks)
    if not decks:
        return {}
    ids = [deck.pk for deck in decks]
    excluded = cards_excluded_from_study(learner=user, now=now)
    studied = CardState.objects.filter(learner=user, deck__in=ids).values("card_id")
    unseen = _per_deck(
        Card.objects.filter(deck__in=ids).exclude(id__in=studied).exclude(id__in=excluded).values("deck_id").annotate(new=Count("id")),
        "new",
    )
    learning_today = learning_today_condition(now)
    day_start = start_of_day(now)
    imported = StudyLog.objects.filter(learner=user, policy=IMPORTED_POLICY).values("card_id")
    states = _per_deck(
        CardState.objects.filter(learner=user, deck__in=ids, card__deleted_at__isnull=True)
        .exclude(card_id__in=excluded)
        .values("deck_id")
        .annotate(
            learning=Count("id", filter=learning_today),
            due=Count("id", filter=Q(due_at__lte=now) & ~learning_today),
            new_today=Count("id", filter=Q(first_studied_at__gte=day_start) & ~Q(card_id__in=imported)),
        ),
        "learning", "due", "new_today",
    )
    new_today_cards = CardState.objects.filter(learner=user, deck__in=ids, first_studied_at__gte=day_start).exclude(card_id__in=imported)
    reviews = _per_deck(
        StudyLog.objects.live()
        .filter(learner=user, deck__in=ids, answered_at__gte=day_start)
        .exclude(policy=IMPORTED_POLICY)
        .exclude(card_id__in=new_today_cards.values("card_id"))
        .values("deck_id")
        .annotate(reviews_today=Count("id")),
        "reviews_today",
    )
    presets = _presets(decks)
    counts = {}
    for deck in decks:
        tree = [other.pk for other in decks if other.pk == deck.pk or (other.owner_id == deck.owner_id and other.title.startswith(deck.title + SEPARATOR))]
        preset = presets[deck.pk]
        counts[deck.pk] = DeckCounts(
            new=min(_tree_total(unseen, tree, "new"), max(0, preset.new_per_day - _tree_total(states, tree, "new_today"))),
            learning=_tree_total(states, tree, "learning"),
            due=min(_tree_total(states, tree, "due"), max(0, preset.reviews_per_day - _tree_total(reviews, tree, "reviews_today"))),
        )
    return counts
