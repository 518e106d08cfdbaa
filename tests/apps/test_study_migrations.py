"""study 0002 marks every showing that a log already answers, so only the pending ones stay in the pending index."""

import uuid
from datetime import datetime, timezone

import pytest

BEFORE = [("study", "0001_initial")]
AFTER = [("study", "0002_showncard_answered")]
SHOWN_AT = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.django_db(transaction=True)
def test_showings_answered_before_the_migration_are_marked_and_pending_ones_are_not(migrate_to):
    apps = migrate_to(BEFORE)
    learner = apps.get_model("auth", "User").objects.create(username="migrated-learner")
    deck = apps.get_model("cards", "Deck").objects.create(owner=learner, title="Old deck")
    card = apps.get_model("cards", "Card").objects.create(deck=deck, front="Q", back="A", tags=[], content_hash="0" * 64)
    ShownCard = apps.get_model("study", "ShownCard")
    answered, pending = (
        ShownCard.objects.create(learner=learner, card=card, deck=deck, shown_at=SHOWN_AT, policy="fsrs") for _ in range(2)
    )
    apps.get_model("study", "StudyLog").objects.create(
        log_uuid=uuid.uuid4(), learner=learner, card=card, deck=deck, shown=answered, shown_at=SHOWN_AT,
        answered_at=SHOWN_AT, response_ms=900, outcome=True, grade=3, policy="fsrs",
    )

    migrated = migrate_to(AFTER).get_model("study", "ShownCard").objects

    assert migrated.get(pk=answered.pk).answered
    assert not migrated.get(pk=pending.pk).answered
