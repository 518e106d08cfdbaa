"""Time the deck page of a 100,000-card deck (issue 20: it took 43 s when it showed every card).

Builds a separate benchmark database next to the one ``DATABASE_URL`` names (for
PostgreSQL a new database ``bench_deck_page_<name>``, for SQLite a file under var/),
fills one deck with ``--cards`` cards and times ``GET /decks/<deck>/`` for the first,
a middle and the last page as the signed-in owner (Django's test client, in process),
best and median of ``--repeats``. Counts the card rows each response holds.

    .venv/bin/python bench/deck_page.py [--cards 100000] [--repeats 5]

Prints the figures; the last line is one JSON object.
"""

import argparse
import json
import os
import statistics
import time

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.cards.models import Deck  # noqa: E402
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create  # noqa: E402
from apps.pagination import PAGE_SIZE  # noqa: E402
from _bench_database import bench_database  # noqa: E402


def populate(n_cards: int) -> Deck:
    owner = get_user_model().objects.create_user(username="bench-owner")
    deck = Deck.objects.create(owner=owner, title="Benchmark deck", visibility=Deck.Visibility.PUBLIC)
    for start in range(0, n_cards, 5_000):
        basic_notes_bulk_create(
            cards=[
                BasicCardText(deck=deck, front=f"**Question {index}**: what is {index} squared?", back=f"{index * index}", tags=["bench"])
                for index in range(start, min(start + 5_000, n_cards))
            ]
        )
    return deck


def time_page(client: Client, url: str, page: int, repeats: int) -> dict:
    timings, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url, {"page": page})
        timings.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, response.status_code
        rows = response.content.decode().count("<tr>") - 1
    return {"best_ms": round(min(timings), 2), "median_ms": round(statistics.median(timings), 2), "card_rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    settings.DEBUG = False
    with bench_database("deck-page"):
        started = time.perf_counter()
        deck = populate(args.cards)
        print(f"populated {args.cards:,} cards in {time.perf_counter() - started:.1f} s ({connection.vendor})")
        client = Client()
        client.force_login(deck.owner)
        url = reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid})
        last_page = -(-args.cards // PAGE_SIZE)
        figures = {"cards": args.cards, "page_size": PAGE_SIZE, "database": connection.vendor}
        for label, page in (("first", 1), ("middle", last_page // 2), ("last", last_page)):
            result = time_page(client, url, page, args.repeats)
            figures.update({f"{label}_page_{key}": value for key, value in result.items()})
            print(f"{label} page ({page}): best {result['best_ms']} ms, median {result['median_ms']} ms, {result['card_rows']} card rows")
        figures["load_average"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
