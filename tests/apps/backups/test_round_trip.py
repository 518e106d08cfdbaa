"""Backup -> lost installation -> restore gives back every row, the served model and its predictions, on SQLite and PostgreSQL."""

import random
import threading
import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction

from apps.backups.database import table_row_counts
from apps.cards.models import Deck
from apps.cards.services import card_create, deck_create
from apps.dashboards.mastery import studied_card_mastery
from apps.modeling.models import ModelVersion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.services import study_log_record, study_session_finish, study_session_next, study_session_start

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def _study(learner, deck, *, days: int, cards_a_day: int, seed: int) -> None:
    """The learner studies ``deck`` through the study service once a day for ``days`` days before NOW."""
    rng = random.Random(seed)
    for day in range(days):
        moment = NOW - timedelta(days=days - day, hours=rng.uniform(0, 8))
        session = study_session_start(learner=learner, deck=deck, now=moment)
        for _ in range(cards_a_day):
            shown = study_session_next(session=session, now=moment)
            if shown is None:
                break
            moment += timedelta(seconds=8)
            study_log_record(
                learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=rng.choice((1, 3, 3, 4)),
                response_ms=rng.randint(900, 6000), shown_uuid=shown.uuid, now=moment,
            )
        study_session_finish(session=session, now=moment)


def _backup(tmp_path) -> str:
    call_command("backup", "--output", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").glob("mnemo-backup-*.tar.gz")
    return str(archive)


def test_a_restore_into_a_lost_installation_gives_back_every_row_the_served_model_and_its_predictions(
    make_user, instructor, media_root, settings, tmp_path, wipe_installation
):
    settings.MNEMO_EMBED_CARDS_ON_SAVE = False
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    deck = deck_create(owner=instructor, title="Capitals", visibility=Deck.Visibility.PUBLIC)
    for index in range(20):
        card_create(deck=deck, front=f"Capital of country {index}?", back=f"City {index}", tags=[f"region-{index % 4}"])
    learners = [make_user(f"learner-{index}") for index in range(4)]
    for seed, learner in enumerate(learners):
        _study(learner, deck, days=6, cards_a_day=8, seed=seed)
    run = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND)
    served = training_run_execute(run_id=run.pk).version
    assert served.is_active
    (media_root / "decks").mkdir()
    (media_root / "decks" / "map.png").write_bytes(b"\x89PNG not really")
    rows_before = table_row_counts()
    before = studied_card_mastery(learner=learners[0], deck=deck, now=NOW, at=NOW + timedelta(days=7))
    assert before.model_version == served.label and len(before.card_ids) > 5

    archive = _backup(tmp_path)
    wipe_installation()
    assert not media_root.exists()
    call_command("restore", archive)

    assert table_row_counts() == rows_before
    restored = ModelVersion.objects.get(is_active=True)
    assert (restored.label, restored.checksum) == (served.label, served.checksum)
    after = studied_card_mastery(learner=learners[0], deck=Deck.objects.get(pk=deck.pk), now=NOW, at=NOW + timedelta(days=7))
    assert after.model_version == served.label
    np.testing.assert_array_equal(after.card_ids, before.card_ids)
    np.testing.assert_array_equal(after.mastery, before.mastery)
    assert (media_root / "decks" / "map.png").read_bytes() == b"\x89PNG not really"


def _add_decks_until(stop: threading.Event, written: list[int], failures: list[BaseException]) -> None:
    """Create decks of exactly three cards, each deck and its cards in one transaction, until told to stop."""
    from django.contrib.auth import get_user_model
    from django.db import connection as thread_connection

    try:
        owner = get_user_model().objects.get(username="instructor")
        while not stop.is_set():
            with transaction.atomic():
                deck = deck_create(owner=owner, title=f"Deck {len(written)}", visibility=Deck.Visibility.PRIVATE)
                for index in range(3):
                    card_create(deck=deck, front=f"q{index}", back=f"a{index}", tags=[])
            written.append(deck.pk)
    except BaseException as error:  # noqa: BLE001  (reported by the test)
        failures.append(error)
    finally:
        thread_connection.close()


def test_a_backup_taken_while_decks_are_written_holds_whole_transactions_and_matches_its_manifest(
    instructor, media_root, settings, tmp_path, wipe_installation
):
    settings.MNEMO_EMBED_CARDS_ON_SAVE = False
    stop, written, failures = threading.Event(), [], []
    writer = threading.Thread(target=_add_decks_until, args=(stop, written, failures))
    writer.start()
    try:
        while len(written) < 5 and not failures:
            threading.Event().wait(0.05)
        decks_before = len(written)
        archive = _backup(tmp_path)
        decks_after = len(written)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not failures, failures
    assert decks_after > decks_before, "the writer was not writing while the backup ran"

    wipe_installation()
    call_command("restore", archive)  # checks every table's row count against the manifest

    restored = Deck.objects.filter(title__startswith="Deck ").count()
    assert decks_before <= restored <= decks_after + 1
    per_deck = {deck.pk: deck.cards.count() for deck in Deck.objects.filter(title__startswith="Deck ")}
    assert set(per_deck.values()) == {3}, "a deck was restored without all of its cards: the snapshot cut a transaction"
