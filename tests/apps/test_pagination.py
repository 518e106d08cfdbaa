"""Every page and API list comes a page at a time (issue 20: a 100,000-card deck page took 43 s)."""

import re
import uuid

from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.cards.models import Deck
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
from apps.experiments.models import Experiment
from apps.pagination import PAGE_SIZE
from apps.study.models import StudyLog


def _card_rows(html: bytes) -> list[str]:
    return re.findall(r"<td><p>(big card \d+)</p>", html.decode())


def test_the_deck_page_shows_one_page_of_cards_and_counts_them_all(owner, web_client_for):
    deck = Deck.objects.create(owner=owner, title="Big", visibility=Deck.Visibility.PRIVATE)
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=f"big card {index}", back="b", tags=[]) for index in range(2 * PAGE_SIZE + 7)])
    client = web_client_for(owner)
    url = reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid})
    first = client.get(url)
    assert _card_rows(first.content) == [f"big card {index}" for index in range(PAGE_SIZE)]
    assert f"{2 * PAGE_SIZE + 7} cards" in first.content.decode()
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert _card_rows(client.get(url, {"page": "3"}).content) == [f"big card {index}" for index in range(2 * PAGE_SIZE, 2 * PAGE_SIZE + 7)]
    assert _card_rows(client.get(url, {"page": "999"}).content) == _card_rows(client.get(url, {"page": "3"}).content)
    assert _card_rows(client.get(url, {"page": "x"}).content) == _card_rows(first.content)


def _public_decks(owner, count):
    Deck.objects.bulk_create([Deck(owner=owner, title=f"Deck {index:03d}", visibility=Deck.Visibility.PUBLIC) for index in range(count)])


def test_the_deck_list_is_paginated(instructor, other_learner, web_client_for):
    _public_decks(instructor, PAGE_SIZE + 3)
    page = web_client_for(other_learner).get(reverse("cards:deck_list")).content.decode()
    assert page.count("<strong>Deck ") == PAGE_SIZE
    assert f"Page 1 of 2 · {PAGE_SIZE + 3} in all" in page


def test_the_api_deck_list_is_paginated_and_refuses_bad_page_numbers(instructor, other_learner, api_client_for):
    _public_decks(instructor, PAGE_SIZE + 3)
    api = api_client_for(other_learner)
    first = api.get(reverse("api:deck_list")).json()
    assert (len(first["decks"]), first["page"], first["pages"], first["count"]) == (PAGE_SIZE, 1, 2, PAGE_SIZE + 3)
    second = api.get(first["next"]).json()
    assert [deck["title"] for deck in second["decks"]] == [f"Deck {index:03d}" for index in range(PAGE_SIZE, PAGE_SIZE + 3)]
    assert second["next"] is None
    for bad, status, reason in (("0", 400, "positive whole number"), ("x", 400, "positive whole number"), ("3", 404, "past the last page (2)")):
        response = api.get(reverse("api:deck_list"), {"page": bad})
        assert response.status_code == status and reason in response.json()["error"], bad


def test_history_is_paginated(owner, private_deck, web_client_for):
    card, now = private_deck.cards.first(), timezone.now()
    StudyLog.objects.bulk_create(
        StudyLog(log_uuid=uuid.uuid4(), learner=owner, card=card, deck=private_deck, shown_at=now, answered_at=now, response_ms=500, outcome=True, grade=3, policy="fsrs")
        for _ in range(PAGE_SIZE + 2)
    )
    client = web_client_for(owner)
    assert client.get(reverse("study:history")).content.decode().count("<td>Good</td>") == PAGE_SIZE
    assert client.get(reverse("study:history"), {"page": "2"}).content.decode().count("<td>Good</td>") == 2


def test_cohort_and_experiment_lists_are_paginated(instructor, public_deck, web_client_for):
    Cohort.objects.bulk_create([Cohort(owner=instructor, name=f"Cohort {index:03d}") for index in range(PAGE_SIZE + 1)])
    Experiment.objects.bulk_create([Experiment(deck=public_deck, name=f"Experiment {index:03d}", created_by=instructor) for index in range(PAGE_SIZE + 1)])
    client = web_client_for(instructor)
    cohorts = client.get(reverse("cohorts:cohort_list")).content.decode()
    assert cohorts.count(">Cohort ") == PAGE_SIZE and f"Page 1 of 2 · {PAGE_SIZE + 1} in all" in cohorts
    experiments = client.get(reverse("experiments:experiment_list", kwargs={"deck_uuid": public_deck.uuid})).content.decode()
    assert experiments.count(">Experiment ") == PAGE_SIZE and f"Page 1 of 2 · {PAGE_SIZE + 1} in all" in experiments
