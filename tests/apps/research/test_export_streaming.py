"""A research export hands its writer the rows as a stream of bounded chunks, never the export whole.

bench/export_study_logs.py --rows 100000 1000000 shows the memory this keeps flat; here
the shape that keeps it so: the writer gets an iterator (not a list) whose chunks hold
at most ``chunk_rows`` rows and are made one at a time as the writer asks.
"""

import json
from datetime import timedelta

from apps.cards.models import Card
from apps.research import services
from apps.research.selectors import ExportFilters
from apps.research.services import study_logs_export

from .conftest import START


def test_the_writer_pulls_the_rows_chunk_by_chunk(monkeypatch, tmp_path, owner, private_deck, answer, consent):
    consent(owner, START)
    cards = list(Card.objects.filter(deck=private_deck).order_by("id")[:5])
    for index, card in enumerate(cards):
        answer(owner, card, START + timedelta(hours=index + 1))
    real_writer = services.WRITERS["csv"]
    seen = {"chunk_sizes": []}

    def watching_writer(chunks, columns, output_dir, progress):
        seen["handed"] = chunks

        def pulled():
            for chunk in chunks:
                seen["chunk_sizes"].append(len(chunk))
                yield chunk

        return real_writer(pulled(), columns, output_dir, progress)

    monkeypatch.setitem(services.WRITERS, "csv", watching_writer)
    manifest = json.loads(study_logs_export(export_format="csv", output_dir=tmp_path / "export", filters=ExportFilters(), chunk_rows=2).read_text())

    assert not isinstance(seen["handed"], (list, tuple))
    assert iter(seen["handed"]) is seen["handed"]  # an iterator: rows are made as the writer asks for them
    assert seen["chunk_sizes"] == [2, 2, 1]
    assert manifest["rows"] == 5
