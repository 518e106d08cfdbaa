"""Time the card browser's searches over a 100,000-card collection (issue 26: p95 under 300 ms on SQLite and PostgreSQL).

Builds a separate benchmark database next to the one ``DATABASE_URL`` names (for
PostgreSQL a new database ``bench_card_browser_<name>``, for SQLite a file under var/):
one learner's ``--cards`` Basic cards in 50 decks of a two-level tree, tagged, with a
card state for two cards in three (due dates spread over two months either side of
now) and marks on some (suspended, buried, flagged), all with ``bulk_create``. Then
times ``GET /browse/?q=...`` (the whole page: search, count, the sorted page, its rows,
the template) as that learner with Django's test client, ``--repeats`` times per
search, in a process arranged as config.wsgi arranges a server's (``config.serving_heap``), and prints each search's p95 and median, and the p95 of this process's CPU
time per page (on SQLite the database works in this process too, so that is the
page's cost without the machine's other work; on PostgreSQL it leaves out the server's).

    .venv/bin/python bench/card_browser.py [--cards 100000] [--repeats 20]

Prints the figures; the last line is one JSON object.
"""

import argparse
import json
import os
import random
import statistics
import time
from datetime import timedelta

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.cards.models import Card  # noqa: E402
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create  # noqa: E402
from apps.cards.services import deck_create  # noqa: E402
from apps.study.models import CardMark, CardState  # noqa: E402
from _bench_database import bench_database  # noqa: E402
from config.serving_heap import settle_heap_for_serving  # noqa: E402

TOPICS, SUBDECKS = 10, 5
TAGS = ["verb", "noun", "adjective", "verb::irregular", "travel", "food", "core"]
SEARCHES = [
    ("everything", {}),
    ("one deck subtree", {"q": "deck:Bench::Topic_3"}),
    ("deck wildcard", {"q": "deck:*Topic_7::Part_2"}),
    ("tag", {"q": "tag:verb"}),
    ("free text", {"q": "squared 4242"}),
    ("is:due", {"q": "is:due"}),
    ("is:new", {"q": "is:new"}),
    ("is:suspended", {"q": "is:suspended"}),
    ("flag:1", {"q": "flag:1"}),
    ("prop:ivl>30", {"q": "prop:ivl>30"}),
    ("combined", {"q": "(deck:Bench::Topic_1 or tag:food) -is:suspended prop:reps>=2"}),
    ("sorted by due", {"q": "is:review", "sort": "due", "order": "desc"}),
    ("sorted by sort field", {"sort": "sort_field"}),
    ("sorted by interval", {"q": "deck:Bench::Topic_2", "sort": "interval", "order": "desc"}),
]


def populate(n_cards: int, seed: int = 7):
    """The learner, their decks, cards, card states and marks; returns the learner."""
    rng = random.Random(seed)
    learner = get_user_model().objects.create_user(username="bench-learner")
    decks = [deck_create(owner=learner, title=f"Bench::Topic_{topic}::Part_{part}") for topic in range(TOPICS) for part in range(SUBDECKS)]
    cards = []
    for start in range(0, n_cards, 5_000):
        cards += basic_notes_bulk_create(cards=[
            BasicCardText(
                deck=decks[index % len(decks)], front=f"**Question {index}**: what is {index} squared?", back=f"{index * index}",
                tags=rng.sample(TAGS, rng.randint(0, 2)),
            )
            for index in range(start, min(start + 5_000, n_cards))
        ])
    now = timezone.now()
    states, marks = [], []
    for card in cards:
        if rng.random() < 2 / 3:
            due = now + timedelta(days=rng.uniform(-60, 60))
            interval = timedelta(days=rng.uniform(0.01, 90))
            states.append(CardState(
                learner=learner, card=card, deck_id=card.deck_id, state=rng.choice(CardState.State.values), stability=interval.days + 1.0,
                difficulty=rng.uniform(1, 10), due_at=due, last_review_at=due - interval, first_studied_at=due - interval * 2,
                reps=rng.randint(1, 20), lapses=rng.randint(0, 4),
            ))
        if rng.random() < 0.08:
            marks.append(CardMark(
                learner=learner, card=card, suspended=rng.random() < 0.3, flag=rng.choice([0, 1, 2, 3]),
                buried_until=now + timedelta(hours=6) if rng.random() < 0.1 else None,
            ))
    CardState.objects.bulk_create(states, batch_size=5_000)
    CardMark.objects.bulk_create(marks, batch_size=5_000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does soon after a load this size; plans without statistics are guesses
    return learner, len(states), len(marks)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    settings.DEBUG = False
    with bench_database("card-browser"):
        started = time.perf_counter()
        learner, n_states, n_marks = populate(args.cards)
        built_s = time.perf_counter() - started
        print(f"built {Card.objects.count():,} cards, {n_states:,} card states and {n_marks:,} marks in {built_s:.1f} s ({connection.vendor})")
        client = Client()
        client.force_login(learner)
        settle_heap_for_serving()  # as config.wsgi does once the application is loaded
        url = reverse("browser:browse")
        figures = {"cards": args.cards, "repeats": args.repeats, "database": connection.vendor, "build_s": round(built_s, 1), "searches": {}}
        for label, parameters in SEARCHES:
            timings, cpu, found = [], [], None
            for _ in range(args.repeats):
                begun, begun_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, parameters)
                timings.append(1000 * (time.perf_counter() - begun))
                cpu.append(1000 * (time.process_time() - begun_cpu))
                assert response.status_code == 200, (label, response.status_code, response.content[:2000])
                found = response.context["page"].paginator.count
            p95, median, cpu_p95 = (round(value, 1) for value in (percentile(timings, 0.95), statistics.median(timings), percentile(cpu, 0.95)))
            figures["searches"][label] = {"query": parameters, "found": found, "p95_ms": p95, "median_ms": median, "cpu_p95_ms": cpu_p95}
            print(f"{label:22} {json.dumps(parameters):75} {found:>7,} found  p95 {p95:7.1f} ms  median {median:7.1f} ms  this process's CPU p95 {cpu_p95:7.1f} ms")
        worst = max(figures["searches"].values(), key=lambda search: search["p95_ms"])
        figures["worst_p95_ms"] = worst["p95_ms"]
        figures["load_average"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
