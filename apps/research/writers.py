"""Write export rows to files, one chunk at a time: CSV, JSON Lines, Parquet, FSRS optimizer review logs.

The text formats take rows whose times are already ISO-8601 text; Parquet and the
FSRS review logs take datetimes (``TIMES_AS_TEXT`` says which a format wants).

Every writer takes an iterator of row chunks (``export_rows.export_row_chunks``) and
never holds more than one chunk, so memory stays flat however many rows there are.
CSV and JSON Lines are produced as text pieces, which the web streams as they come
and the file writers write to disk. ``WRITERS`` maps each format to its writer.
"""

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from apps.study import fsrs_state
from apps.study.models import CardState
from knowledge_tracing.data.columns import REVLOG_COLUMN_TYPES, STUDYLOG_COLUMN_TYPES

Chunks = Iterable[list[tuple]]
Progress = Callable[[int], None]

REVLOG_SOURCE_COLUMNS = ("learner", "card", "answered_at", "grade", "response_ms")
FSRS_NEW_STATE = 0


@dataclass(frozen=True)
class WrittenFile:
    name: str  # relative to the export directory
    rows: int


def csv_pieces(chunks: Chunks, columns: tuple[str, ...]) -> Iterator[str]:
    """The CSV file as text pieces: the header, then one piece per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for chunk in chunks:
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_pieces(chunks: Chunks, columns: tuple[str, ...]) -> Iterator[str]:
    """The JSON Lines file as text pieces: one object per row, one piece per chunk."""
    for chunk in chunks:
        yield "".join(json.dumps(dict(zip(columns, row))) + "\n" for row in chunk)


def _counted(chunks: Chunks, progress: Progress, counter: list[int]) -> Iterator[list[tuple]]:
    for chunk in chunks:
        yield chunk
        counter[0] += len(chunk)
        progress(counter[0])


def _write_text(pieces: Callable, file_name: str):
    def write(chunks: Chunks, columns: tuple[str, ...], directory: Path, progress: Progress) -> list[WrittenFile]:
        counter = [0]
        with (directory / file_name).open("w", encoding="utf-8", newline="") as file:
            for piece in pieces(_counted(chunks, progress, counter), columns):
                file.write(piece)
        return [WrittenFile(file_name, counter[0])]

    return write


_ARROW_TYPES = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "int8": pa.int8(),
    "int64": pa.int64(),
    "float64": pa.float64(),
}


def arrow_schema(columns: tuple[str, ...]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[STUDYLOG_COLUMN_TYPES[name]]) for name in columns])


def write_parquet(chunks: Chunks, columns: tuple[str, ...], directory: Path, progress: Progress) -> list[WrittenFile]:
    """One row group per chunk through ``ParquetWriter``; an export with no rows still has the schema."""
    schema, rows = arrow_schema(columns), 0
    with pq.ParquetWriter(directory / "study_logs.parquet", schema, compression="zstd") as writer:
        for chunk in chunks:
            arrays = [pa.array(values, type=field.type) for values, field in zip(zip(*chunk), schema)]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            rows += len(chunk)
            progress(rows)
    return [WrittenFile("study_logs.parquet", rows)]


def _review_states(rows: Iterable[tuple]) -> Iterator[tuple]:
    """FSRS optimizer rows of one learner: the card's state before each answer, replayed with the app's own scheduler."""
    states: dict[str, CardState] = {}
    for _, card, answered_at, grade, response_ms in rows:
        state = states.get(card)
        review_state = FSRS_NEW_STATE if state is None else state.state
        if state is None:
            state = states[card] = CardState()
        fsrs_state.apply_answer(
            state, existing=review_state != FSRS_NEW_STATE, grade=grade, answered_at=answered_at, scheduler=fsrs_state.scheduler_for(0.9)
        )
        yield card, int(answered_at.timestamp() * 1000), grade, review_state, response_ms


def write_fsrs_revlogs(chunks: Chunks, columns: tuple[str, ...], directory: Path, progress: Progress) -> list[WrittenFile]:
    """One FSRS optimizer review log per learner (``revlog/<pseudonym>.csv``); rows arrive learner by learner."""
    if columns[: len(REVLOG_SOURCE_COLUMNS)] != REVLOG_SOURCE_COLUMNS:
        raise ValueError(f"FSRS review logs are made of the columns {REVLOG_SOURCE_COLUMNS}")
    (directory / "revlog").mkdir()
    written, done = [], 0
    learner_rows: list[tuple] = []

    def flush() -> None:
        if not learner_rows:
            return
        name = f"revlog/{learner_rows[0][0]}.csv"
        with (directory / name).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(REVLOG_COLUMN_TYPES)
            writer.writerows(_review_states(learner_rows))
        written.append(WrittenFile(name, len(learner_rows)))
        learner_rows.clear()

    for chunk in chunks:
        for row in chunk:
            if learner_rows and row[0] != learner_rows[0][0]:
                flush()
            learner_rows.append(row[: len(REVLOG_SOURCE_COLUMNS)])
        done += len(chunk)
        progress(done)
    flush()
    return written


WRITERS = {
    "csv": _write_text(csv_pieces, "study_logs.csv"),
    "jsonl": _write_text(jsonl_pieces, "study_logs.jsonl"),
    "parquet": write_parquet,
    "fsrs": write_fsrs_revlogs,
}
STREAMABLE_PIECES = {"csv": csv_pieces, "jsonl": jsonl_pieces}
TIMES_AS_TEXT = {"csv": True, "jsonl": True, "parquet": False, "fsrs": False}
