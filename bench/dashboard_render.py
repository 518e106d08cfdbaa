"""Cohort dashboard: render time for 200 learners x 1,000 cards with snapshots in place, and the snapshot task's time.

The dashboard page lists one page of learners (``apps.pagination``), so its time
should not grow with the cohort; the snapshot task's does, about linearly.

Builds a separate benchmark database next to the one ``DATABASE_URL`` names (for
PostgreSQL a new database ``bench_<name>``, for SQLite a file under var/) and drops it
afterwards. A 1,000-card deck tagged with 20 concepts is assigned to a cohort of 200
learners; each learner has studied every card (a card state per card) with one answer
per card and 200 more (inserted with ``executemany``, not model instances). A model of ``--kind`` (KARL by default, small hyper-parameters; card
embeddings are random unit vectors, whose content does not change the timing) is
trained on the deck from the first 20 learners' logs and serves every learner. Then the beat task's work (``snapshots_refresh``:
every learner's predictions through the serving path, then the cohort's aggregates)
is timed once, and the dashboard page is rendered ``--renders`` times through
Django's test client signed in as the instructor. Prints the figures; the last line
is one JSON object.

    .venv/bin/python bench/dashboard_render.py [--kind karl] [--learners 200] [--cards 1000] [--renders 20]
"""

import argparse
import json
import os
import resource
import statistics
import time
import uuid
from datetime import timedelta

import numpy as np

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("MNEMO_EMBED_CARDS_ON_SAVE", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts import roles  # noqa: E402
from apps.accounts.models import Cohort  # noqa: E402
from apps.accounts.services import user_role_add  # noqa: E402
from apps.cards.models import Card, Deck  # noqa: E402
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create  # noqa: E402
from apps.dashboards.models import CardRecall, ConceptMastery  # noqa: E402
from apps.dashboards.services import snapshots_refresh  # noqa: E402
from apps.modeling.embeddings import encoder_name  # noqa: E402
from apps.modeling.models import CardEmbedding, TrainingRun  # noqa: E402
from apps.modeling.scopes import Scope  # noqa: E402
from apps.modeling.training import training_run_create, training_run_execute  # noqa: E402
from apps.study.models import CardState, StudyLog  # noqa: E402
from _bench_database import bench_database  # noqa: E402
from _study_log_rows import rows_insert  # noqa: E402

SMALL_HYPERPARAMETERS = {"karl": {"max_epochs": 2, "hidden": 4, "text_dim": 4, "c_grid": [0.1, 1.0]}}
N_CONCEPTS = 20
EMBEDDING_DIMENSION = 384
REVIEWS_PER_LEARNER = 200
TRAINING_LEARNERS = 20
"""The model is trained on the logs of the first learners only (training time is not what this measures)."""


def populate_deck(rng: np.random.Generator, *, n_cards: int) -> tuple[Cohort, object]:
    """The deck with its embeddings, assigned to an empty cohort; returns (cohort, instructor)."""
    users = get_user_model().objects
    instructor = users.create_user(username="bench-instructor")
    user_role_add(user=instructor, role=roles.INSTRUCTOR)
    deck = Deck.objects.create(owner=instructor, title="Benchmark deck", visibility=Deck.Visibility.PUBLIC)
    basic_notes_bulk_create(
        cards=[BasicCardText(deck=deck, front=f"Question {i}", back=f"Answer {i}", tags=[f"concept-{i % N_CONCEPTS:02d}"]) for i in range(n_cards)]
    )
    cards = list(Card.objects.filter(deck=deck).order_by("id").values_list("id", "content_hash"))
    vectors = rng.normal(size=(n_cards, EMBEDDING_DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    CardEmbedding.objects.bulk_create(
        CardEmbedding(content_hash=digest, encoder=encoder_name(), dimension=EMBEDDING_DIMENSION, vector=vector.tobytes())
        for (_, digest), vector in zip(cards, vectors)
    )
    cohort = Cohort.objects.create(owner=instructor, name="Benchmark cohort")
    cohort.decks.add(deck)
    return cohort, instructor


LOG_FIELDS = ["log_uuid", "learner", "card", "deck", "shown_at", "answered_at", "response_ms", "outcome", "grade", "policy", "created_at"]
STATE_FIELDS = ["learner", "card", "deck", "state", "stability", "difficulty", "due_at", "last_review_at", "first_studied_at", "reps", "lapses"]


def populate_learners(rng: np.random.Generator, cohort: Cohort, *, first: int, count: int) -> None:
    """``count`` members who studied every card of the cohort's deck: a card state per card and one answer per card plus 200 more."""
    deck = cohort.decks.get()
    learners = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench-learner-{i:04d}") for i in range(first, first + count)]
    )
    cohort.members.add(*learners)
    now = timezone.now()
    card_ids = np.array(Card.objects.filter(deck=deck).order_by("id").values_list("id", flat=True))
    for learner in learners:
        first_seen = now - timedelta(days=60)
        order = rng.permutation(card_ids)
        answers = [(int(card_id), first_seen + timedelta(minutes=3 * index)) for index, card_id in enumerate(order)]
        answers += [(int(card_id), now - timedelta(days=20) + timedelta(minutes=90 * index)) for index, card_id in enumerate(order[:REVIEWS_PER_LEARNER])]
        grades = rng.choice([1, 2, 3, 4], p=[0.2, 0.1, 0.6, 0.1], size=len(answers))
        response_ms = rng.integers(800, 9000, size=len(answers))
        with transaction.atomic():
            rows_insert(StudyLog, LOG_FIELDS, (
                (uuid.uuid4(), learner.pk, card_id, deck.pk, answered_at - timedelta(seconds=5), answered_at, int(ms), bool(grade > 1), int(grade), "fsrs", now)
                for (card_id, answered_at), grade, ms in zip(answers, grades, response_ms)
            ))
            last_review = {card_id: answered_at for card_id, answered_at in answers}
            reviewed = set(order[:REVIEWS_PER_LEARNER].tolist())
            stability, difficulty = rng.lognormal(1.5, 1.0, size=len(card_ids)), rng.uniform(1, 10, size=len(card_ids))
            due_days, lapses = rng.uniform(-10, 40, size=len(card_ids)), rng.integers(0, 3, size=len(card_ids))
            rows_insert(CardState, STATE_FIELDS, (
                (learner.pk, int(card_id), deck.pk, CardState.State.REVIEW, float(stability[index]), float(difficulty[index]),
                 now + timedelta(days=float(due_days[index])), last_review[int(card_id)], first_seen, 1 + int(int(card_id) in reviewed), int(lapses[index]))
                for index, card_id in enumerate(card_ids)
            ))


def profiled(call):
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(call)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="karl")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print where the snapshot task and one render spend their time")
    args = parser.parse_args()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    with bench_database("dashboard-render") as bench_name:
        rng = np.random.default_rng(7)
        started = time.perf_counter()
        cohort, instructor = populate_deck(rng, n_cards=args.cards)
        populate_learners(rng, cohort, first=0, count=TRAINING_LEARNERS)
        run = training_run_create(kind=args.kind, scope=Scope.of_deck(cohort.decks.get()), trigger=TrainingRun.Trigger.COMMAND,
                                  hyperparameters=SMALL_HYPERPARAMETERS.get(args.kind, {}))
        run = training_run_execute(run_id=run.pk)
        if run.status != TrainingRun.Status.SUCCEEDED or not run.version.is_active:
            raise SystemExit(f"training did not serve a model: {run.status} {run.message}")
        print(f"trained {run.version.label} on the first {TRAINING_LEARNERS} learners' logs; it serves the deck")
        populate_learners(rng, cohort, first=TRAINING_LEARNERS, count=args.learners - TRAINING_LEARNERS)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"populated {bench_name} in {time.perf_counter() - started:.1f} s: {StudyLog.objects.count()} study logs, "
              f"{CardState.objects.count()} card states")

        rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu_started = time.perf_counter(), time.process_time()
        written = profiled(snapshots_refresh) if args.profile else snapshots_refresh()
        snapshot_seconds, snapshot_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"snapshot task: {written} learner-deck snapshots, {CardRecall.objects.count()} card predictions, "
              f"{ConceptMastery.objects.count()} heatmap cells in {snapshot_seconds:.1f} s ({snapshot_cpu_seconds:.1f} s CPU); "
              f"peak RSS {rss_before_mb:.0f} MB before it, {peak_rss_mb:.0f} MB after")

        client = Client()
        client.force_login(instructor)
        url = reverse("dashboards:cohort_dashboard", args=[cohort.uuid])
        timings = []
        for index in range(args.renders + 1):
            started = time.perf_counter()
            response = client.get(url)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or b"mastery-heatmap" not in response.content:
                raise SystemExit(f"render {index} failed: {response.status_code}")
            if index:  # the first render warms the template cache
                timings.append(elapsed_ms)
        if args.profile:
            profiled(lambda: client.get(url))
        figures = {
            "dashboard_p95_ms": round(float(np.percentile(timings, 95)), 1),
            "dashboard_p50_ms": round(statistics.median(timings), 1),
            "renders": len(timings),
            "page_kb": round(len(response.content) / 1024, 1),
            "snapshot_seconds": round(snapshot_seconds, 1),
            "snapshot_cpu_seconds": round(snapshot_cpu_seconds, 1),
            "peak_rss_mb": round(peak_rss_mb, 1),
            "peak_rss_before_snapshot_mb": round(rss_before_mb, 1),
            "learners": args.learners,
            "cards": args.cards,
            "model": args.kind,
            "database": connection.vendor,
            "load_average": [round(load, 2) for load in os.getloadavg()],
            "target_p95_ms": 300,
            "target_snapshot_seconds": 60,
        }
        print(f"dashboard over {len(timings)} renders: p50 {figures['dashboard_p50_ms']} ms, p95 {figures['dashboard_p95_ms']} ms "
              f"({figures['page_kb']} kB); load average {figures['load_average']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
