"""Import time of a 20,000-card .apkg with 100,000 review logs, as current Anki writes it.

The package is built with Anki's own library (``anki``, a dev dependency): 10,000 notes
of the Basic (and reversed card) type in nested decks (imported as notes of that type,
each card rendered from its note, into the same deck tree), and 100,000 revlog rows (five per
card, at increasing times, grades drawn at random, 2-20 s each) written into the
collection before Anki exports it in its current format (collection.anki21b, zstd).
The import runs as ``manage.py import_deck`` does, into a separate benchmark database
next to the one ``DATABASE_URL`` names (a file under var/ for SQLite, ``bench_<name>``
for PostgreSQL), dropped afterwards. Prints the time of each stage (reading the
package, replaying the history into FSRS states, writing in one transaction) and the
peak resident memory; the last line is one JSON object.

    .venv/bin/python bench/deck_import.py [--notes 10000] [--reviews-per-card 5]
"""

import argparse
import json
import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("MNEMO_EMBED_CARDS_ON_SAVE", "false")

import django  # noqa: E402

django.setup()

from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from apps.cards.deck_files.limits import ImportLimits  # noqa: E402
from apps.cards.deck_files.reading import read_deck_file  # noqa: E402
from apps.deck_io.services import deck_import_file  # noqa: E402
from apps.study.models import StudyLog  # noqa: E402
from _bench_database import bench_database  # noqa: E402


def build_package(target: Path, *, notes: int, reviews_per_card: int, rng: np.random.Generator) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-anki-") as scratch:
        collection = Collection(str(Path(scratch) / "bench.anki2"))
        note_type = collection.models.by_name("Basic (and reversed card)")
        decks = [collection.decks.id(f"Languages::Spanish::Unit {unit}") for unit in range(20)]
        requests = []
        for index in range(notes):
            note = collection.new_note(note_type)
            note["Front"], note["Back"] = f"palabra <b>{index}</b>", f"word {index}"
            note.tags = ["spanish", f"unit-{index % 20}"]
            requests.append(AddNoteRequest(note=note, deck_id=decks[index % len(decks)]))
        collection.add_notes(requests)
        card_ids = collection.db.list("SELECT id FROM cards ORDER BY id")
        collection.close()
        start_ms = int(time.time() * 1000) - 365 * 86_400_000
        rows = [
            (start_ms + (card_index * reviews_per_card + review) * 60_000, card_id, -1, int(rng.integers(1, 5)), 0, 0, 0,
             int(rng.integers(2_000, 20_000)), 1)
            for card_index, card_id in enumerate(card_ids)
            for review in range(reviews_per_card)
        ]
        with sqlite3.connect(Path(scratch) / "bench.anki2") as database:  # much faster than through Anki's backend
            database.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        database.close()
        collection = Collection(str(Path(scratch) / "bench.anki2"))
        options = ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False)
        collection.export_anki_package(out_path=str(target), options=options, limit=None)
        collection.close()


def timed_import(package: Path) -> dict:
    owner = get_user_model().objects.create_user(username="bench-learner")
    stages: dict[str, float] = {}
    marks = {"started": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in marks:
            marks[stage] = time.perf_counter()

    deck_file = read_deck_file(package, limits=ImportLimits.from_settings())
    marks["read"] = time.perf_counter()
    result = deck_import_file(owner=owner, deck_file=deck_file, on_progress=progress)
    marks["end"] = time.perf_counter()
    stages["read_seconds"] = marks["read"] - marks["started"]
    stages["replay_seconds"] = marks["saving"] - marks["read"]
    stages["write_seconds"] = marks["end"] - marks["saving"]
    stages["total_seconds"] = marks["end"] - marks["started"]
    assert StudyLog.objects.filter(learner=owner).count() == result.review_logs
    return {"cards": result.cards, "notes": result.notes, "review_logs": result.review_logs, **{k: round(v, 2) for k, v in stages.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="Basic-and-reversed notes (two cards each)")
    parser.add_argument("--reviews-per-card", type=int, default=5)
    arguments = parser.parse_args()
    settings.DEBUG = False
    with bench_database("deck-import"):
        with tempfile.TemporaryDirectory(prefix="bench-deck-import-") as scratch:
            settings.MEDIA_ROOT = Path(scratch) / "media"
            package = Path(scratch) / "bench.apkg"
            started = time.perf_counter()
            build_package(package, notes=arguments.notes, reviews_per_card=arguments.reviews_per_card, rng=np.random.default_rng(3))
            print(f"built {package.name} with Anki's library in {time.perf_counter() - started:.1f} s: "
                  f"{package.stat().st_size / 1e6:.1f} MB")
            figures = timed_import(package)
            figures["package_mb"] = round(package.stat().st_size / 1e6, 2)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["database"] = connection.vendor
    figures["load_average"] = [round(load, 2) for load in os.getloadavg()]
    print(f"imported {figures['cards']} cards and {figures['review_logs']} review logs into {figures['database']} in "
          f"{figures['total_seconds']} s (read {figures['read_seconds']} s, replay {figures['replay_seconds']} s, "
          f"write {figures['write_seconds']} s), peak RSS {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
