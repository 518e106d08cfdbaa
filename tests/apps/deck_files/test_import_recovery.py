"""A background deck import whose worker died is queued again and imported once, or failed with the reason; never left running."""

import logging
from datetime import timedelta

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.cards.models import Deck, DeckImport
from apps.deck_io import services
from apps.deck_io.services import deck_import_create, deck_import_run, deck_imports_recover_stale
from apps.deck_io.tasks import run_deck_import
from apps.leases import lease_claim
from apps.outbox.models import OutboxTask
from tests.apps.lease_takeover import OTHER_WORKER, another_worker_takes_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_import(owner):
    rows = "".join(f"question {index},answer {index}\n" for index in range(6))
    deck_import = deck_import_create(owner=owner, upload=SimpleUploadedFile("vocabulary.csv", ("front,back\n" + rows).encode()))
    DeckImport.objects.filter(pk=deck_import.pk).update(status=DeckImport.Status.QUEUED)
    return deck_import


def worker_dies_while_importing(deck_import: DeckImport) -> None:
    """What a worker killed mid-import leaves: the import claimed by it (its transaction rolled back) and a heartbeat that stopped."""
    assert lease_claim(DeckImport.objects, pk=deck_import.pk, queued=DeckImport.Status.QUEUED, running=DeckImport.Status.RUNNING, worker="worker-2:99")
    DeckImport.objects.filter(pk=deck_import.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10), progress_stage="replaying reviews")


def test_an_import_whose_worker_died_is_queued_again_and_imported_once(queued_import):
    worker_dies_while_importing(queued_import)

    assert deck_imports_recover_stale() == {"retried": 1, "failed": 0}
    queued_import.refresh_from_db()
    assert queued_import.status == DeckImport.Status.QUEUED and "the worker worker-2:99 stopped reporting" in queued_import.error
    [message] = OutboxTask.objects.filter(task_name=run_deck_import.name)
    current_app.tasks[message.task_name](*message.args)
    current_app.tasks[message.task_name](*message.args)  # a duplicate delivery finds it done

    queued_import.refresh_from_db()
    assert queued_import.status == DeckImport.Status.DONE and queued_import.attempts == 2
    assert Deck.objects.get(owner=queued_import.owner).cards.count() == 6
    assert not queued_import.upload.storage.exists(queued_import.upload.name)


def test_an_import_out_of_attempts_is_failed_with_the_reason_and_its_upload_removed(queued_import, settings):
    settings.MNEMO_JOB_MAX_ATTEMPTS = 1
    worker_dies_while_importing(queued_import)

    assert deck_imports_recover_stale() == {"retried": 0, "failed": 1}
    queued_import.refresh_from_db()
    assert queued_import.status == DeckImport.Status.FAILED
    assert "no attempts left; nothing was imported" in queued_import.error
    assert not queued_import.upload.storage.exists(queued_import.upload.name)
    assert not Deck.objects.exists()


def test_an_import_that_loses_its_lease_midway_writes_no_deck_leaves_the_upload_to_the_new_attempt_and_logs_it(
    queued_import, monkeypatch, caplog
):
    real_read = services.read_deck_file

    def read_then_lose_the_lease(*args, **kwargs):
        another_worker_takes_over(DeckImport.objects, pk=queued_import.pk, queued=DeckImport.Status.QUEUED, running=DeckImport.Status.RUNNING)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(services, "read_deck_file", read_then_lose_the_lease)
    with caplog.at_level(logging.WARNING, logger="apps.leases"):
        deck_import_run(deck_import_id=queued_import.pk, worker="worker-1:1")

    queued_import.refresh_from_db()
    assert queued_import.status == DeckImport.Status.RUNNING and queued_import.attempts == 2 and queued_import.worker == OTHER_WORKER
    assert not Deck.objects.exists()
    assert queued_import.upload.storage.exists(queued_import.upload.name)
    assert f"deck import {queued_import.pk} attempt 1 lost its lease; stopping" in caplog.text


@pytest.mark.parametrize("name", ["apps.cards.tasks.run_deck_import", "apps.cards.tasks.recover_stale_deck_imports"])
def test_the_tasks_keep_the_names_they_had_in_cards(name):
    """Outbox rows, broker messages and beat's database schedule written before deck import moved to ``deck_io`` name them so."""
    current_app.loader.import_default_modules()  # what a worker does at start: every app's tasks.py
    assert current_app.tasks[name].__module__ == "apps.deck_io.tasks"
