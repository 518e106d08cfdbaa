"""Imported cards get their text embeddings as cards written in the app do: a task through the outbox, sent on commit."""

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.cards.models import Deck
from apps.cards.selectors import deck_cards
from apps.modeling.embeddings import encoder_name
from apps.modeling.models import CardEmbedding
from apps.outbox.models import OutboxTask
from tests.apps.deck_files.conftest import import_deck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def embed_on_save(settings):
    settings.MNEMO_EMBED_CARDS_ON_SAVE = True


def run_waiting_embedding_tasks() -> int:
    """Run the embedding tasks left in the outbox as a worker would; returns how many there were."""
    waiting = list(OutboxTask.objects.filter(task_name__startswith="apps.modeling.tasks.embed_"))
    for row in waiting:
        current_app.tasks[row.task_name](*row.args, **row.kwargs)
    return len(waiting)


def assert_every_card_is_embedded(deck: Deck) -> None:
    texts = set(deck_cards(deck).values_list("content_hash", flat=True))
    assert texts
    assert set(CardEmbedding.objects.filter(encoder=encoder_name()).values_list("content_hash", flat=True)) >= texts


def test_a_deck_imported_on_the_import_page_has_its_cards_embedded(owner, web_client_for):
    client = web_client_for(owner)
    rows = "".join(f"capital of country {index}?,city {index}\n" for index in range(5))
    uploaded = client.post(reverse("deck_io:deck_import_upload"), {"file": SimpleUploadedFile("capitals.csv", ("front,back\n" + rows).encode()), "title": ""})
    import_uuid = uploaded.url.rstrip("/").split("/")[-1]
    client.post(reverse("deck_io:deck_import_confirm", kwargs={"import_uuid": import_uuid}))
    deck = Deck.objects.get(owner=owner, title="capitals")

    assert OutboxTask.objects.filter(task_name="apps.modeling.tasks.embed_deck", args=[deck.pk]).exists()
    assert run_waiting_embedding_tasks() >= 1
    assert_every_card_is_embedded(deck)


def test_a_deck_imported_on_the_command_line_has_its_cards_embedded(owner, anki_package):
    summary = import_deck(anki_package("current"), owner)
    deck = Deck.objects.get(uuid=summary["deck"])

    assert run_waiting_embedding_tasks() >= 1
    assert_every_card_is_embedded(deck)
