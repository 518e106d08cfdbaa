"""Read study logs from files into ``StudyLogTable``s: ASSISTments, Anki/FSRS revlogs, Anki files, Mnemo exports.

Each format has a parser that checks every record and turns it into plain rows with
the source's own keys (learner key, item key, concept key, time, answer). One shared
step then gives learners, items and concepts dense ids. Files loaded together (train,
valid and test splits) share those ids, so a model trained on one split indexes the
same item in the next. A malformed record raises ``DataFormatError`` naming the file
and line, before any table is built.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from itertools import compress
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from knowledge_tracing.data.columns import CONCEPT_SEPARATOR, REVLOG_REQUIRED_COLUMNS, STUDYLOG_REQUIRED_COLUMNS
from knowledge_tracing.data.multi_skill import repeated_problem_rows
from knowledge_tracing.data.table import StudyLogTable

FORMATS = ("assist", "revlog", "studylog", "anki")


class DataFormatError(ValueError):
    """A file that does not follow its format; the message names the file and line."""

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        super().__init__(f"{path}, line {line}: {problem}")
        self.path = str(path)
        self.line = line


@dataclass
class ParsedRows:
    """Rows of one file with the source's own keys, before dense ids are assigned."""

    learner: list = field(default_factory=list)
    item: list = field(default_factory=list)
    concept: list = field(default_factory=list)
    time: list = field(default_factory=list)
    outcome: list = field(default_factory=list)
    grade: list = field(default_factory=list)
    duration_ms: list = field(default_factory=list)
    item_text: dict = field(default_factory=dict)

    def append(self, *, learner, item, concept, time, outcome, grade=0, duration_ms=float("nan")) -> None:
        self.learner.append(learner)
        self.item.append(item)
        self.concept.append(concept)
        self.time.append(time)
        self.outcome.append(outcome)
        self.grade.append(grade)
        self.duration_ms.append(duration_ms)


def load_tables(data_format: str, paths: Sequence[Path | str], **options) -> list[StudyLogTable]:
    """Load several files of one format into tables that share learner, item and concept ids."""
    parsers: dict[str, Callable[..., ParsedRows]] = {
        "assist": parse_assist,
        "revlog": parse_revlog,
        "studylog": parse_studylog,
        "anki": parse_anki,
    }
    if data_format not in parsers:
        raise ValueError(f"unknown format {data_format!r}; expected one of {', '.join(FORMATS)}")
    if options.get("merge_multi_skill"):
        if data_format != "assist":
            raise ValueError("merging repeated multi-skill rows applies to the assist format only")
        parsers["assist"] = partial(parse_assist, merge_multi_skill=True)
    parsed = [parsers[data_format](Path(path)) for path in paths]
    item_names = read_skill_names(options["skill_names"]) if options.get("skill_names") else None
    return build_tables(parsed, has_timestamps=data_format != "assist", item_names=item_names)


def build_tables(
    parsed: Sequence[ParsedRows], *, has_timestamps: bool, item_names: dict | None = None
) -> list[StudyLogTable]:
    """Dense ids shared by all files (keys sorted), then one sorted table per file.

    ``item_names`` (item key -> text) supplies text for formats whose files carry none.
    """
    learner_keys = sorted({key for rows in parsed for key in rows.learner})
    item_keys = sorted({key for rows in parsed for key in rows.item})
    concept_keys = sorted({key for rows in parsed for key in rows.concept})
    texts = dict(item_names or {})
    for rows in parsed:
        texts.update(rows.item_text)
    item_text = tuple(str(texts.get(key, "")) for key in item_keys) if texts else None
    learner_ids = {key: i for i, key in enumerate(learner_keys)}
    item_ids = {key: i for i, key in enumerate(item_keys)}
    concept_ids = {key: i for i, key in enumerate(concept_keys)}
    return [
        StudyLogTable.from_columns(
            learner=np.array([learner_ids[key] for key in rows.learner], dtype=np.int64),
            item=np.array([item_ids[key] for key in rows.item], dtype=np.int64),
            concept=np.array([concept_ids[key] for key in rows.concept], dtype=np.int64),
            time=np.array(rows.time, dtype=np.float64),
            outcome=np.array(rows.outcome, dtype=np.int8),
            grade=np.array(rows.grade, dtype=np.int8),
            duration_ms=np.array(rows.duration_ms, dtype=np.float64),
            learner_keys=learner_keys,
            item_keys=item_keys,
            item_text=item_text,
            has_timestamps=has_timestamps,
        )
        for rows in parsed
    ]


def parse_assist(path: Path, *, merge_multi_skill: bool = False) -> ParsedRows:
    """ASSISTments three-line format: count; comma-separated skill ids; comma-separated 0/1 answers.

    There are no timestamps, so a row's time is its step within the student's
    sequence. Students have no ids in these files: a student is keyed by the file
    name and the line of its count, so students of different files never merge.
    Item and concept are both the skill id. ``merge_multi_skill`` keeps one row of
    each recognised repetition of a multi-skill problem (``multi_skill``), whose
    other rows would give its answer away.
    """
    rows = ParsedRows()
    lines = _read_lines(path)
    if len(lines) % 3 != 0:
        raise DataFormatError(path, len(lines), f"expected groups of 3 lines, file has {len(lines)} lines")
    for start in range(0, len(lines), 3):
        count_line, skill_line, answer_line = start + 1, start + 2, start + 3
        count = _parse_int(path, count_line, lines[start].strip().rstrip(","), "interaction count")
        if count <= 0:
            raise DataFormatError(path, count_line, f"interaction count must be positive, got {count}")
        skills = _parse_int_list(path, skill_line, lines[start + 1], "skill id")
        answers = _parse_int_list(path, answer_line, lines[start + 2], "answer")
        for line, values, what in ((skill_line, skills, "skill ids"), (answer_line, answers, "answers")):
            if len(values) != count:
                raise DataFormatError(path, line, f"{len(values)} {what} but the count says {count}")
        if min(skills) < 1:
            raise DataFormatError(path, skill_line, f"skill ids are 1-based, got {min(skills)}")
        if not set(answers) <= {0, 1}:
            raise DataFormatError(path, answer_line, f"answers must be 0 or 1, got {sorted(set(answers) - {0, 1})}")
        learner = f"{path.name}:{count_line}"
        if merge_multi_skill:
            kept = [not repeat for repeat in repeated_problem_rows(skills, answers)]
            skills, answers = list(compress(skills, kept)), list(compress(answers, kept))
        for step, (skill, answer) in enumerate(zip(skills, answers)):
            rows.append(learner=learner, item=skill, concept=skill, time=float(step), outcome=answer)
    return rows


def read_skill_names(path: Path | str) -> dict[int, str]:
    """``id<TAB>name`` lines (ASSIST2009 ``skill_mapping.txt``) as {skill id: name}."""
    path = Path(path)
    names = {}
    for line_number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2:
            raise DataFormatError(path, line_number, "expected 'id<TAB>name'")
        names[_parse_int(path, line_number, parts[0], "skill id")] = parts[1].strip()
    return names


def parse_revlog(path: Path) -> ParsedRows:
    """Anki/FSRS review log: card_id, review_rating (1-4), review_time, review_duration (ms).

    One learner per file, keyed by the file name; a directory is read as one
    review log per learner (each ``*.csv`` in it, as Mnemo's FSRS export writes
    them). ``review_time`` is milliseconds since the epoch, as the FSRS optimizer
    expects, or ISO-8601 text. Recall is a rating above 1 (Again).
    """
    rows = ParsedRows()
    for file in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
        _parse_revlog_file(file, rows)
    return rows


def _parse_revlog_file(path: Path, rows: ParsedRows) -> None:
    for line, record in _csv_records(path, REVLOG_REQUIRED_COLUMNS):
        grade = _parse_grade(path, line, record["review_rating"], "review_rating")
        rows.append(
            learner=path.stem,
            item=record["card_id"],
            concept=record["card_id"],
            time=_parse_time(path, line, record["review_time"], "review_time", integers_are_ms=True),
            outcome=int(grade > 1),
            grade=grade,
            duration_ms=_parse_duration(path, line, record["review_duration"], "review_duration"),
        )


def parse_studylog(path: Path) -> ParsedRows:
    """Mnemo's study-log export (CSV, JSON Lines or Parquet), one row per answer.

    Columns: learner, card, answered_at (ISO-8601), outcome (0/1), grade (1-4),
    response_ms; optional card_text and concepts ('|'-separated tags, the first
    one is the row's concept; without tags the card is its own concept). Extra
    columns are ignored (see ``knowledge_tracing.data.columns``). Parquet rows are
    numbered like CSV lines (header = 1); JSON Lines by their line.
    """
    rows = ParsedRows()
    readers = {".parquet": _parquet_records, ".jsonl": _jsonl_records}
    records = readers.get(path.suffix.lower(), lambda path: _csv_records(path, STUDYLOG_REQUIRED_COLUMNS))(path)
    for line, record in records:
        card = _require(path, line, record, "card")
        concepts = str(record.get("concepts") or "").split(CONCEPT_SEPARATOR)
        concept = concepts[0].strip() or f"card:{card}"
        rows.append(
            learner=_require(path, line, record, "learner"),
            item=card,
            concept=concept,
            time=_parse_time(path, line, record["answered_at"], "answered_at"),
            outcome=_parse_outcome(path, line, record["outcome"]),
            grade=_parse_grade(path, line, record["grade"], "grade"),
            duration_ms=_parse_duration(path, line, record["response_ms"], "response_ms"),
        )
        text = record.get("card_text")
        if text not in (None, "") and card not in rows.item_text:
            rows.item_text[card] = str(text)
    return rows


def parse_anki(path: Path) -> ParsedRows:
    """An Anki package (.apkg, .colpkg) or collection file (collection.anki2, .anki21, .anki21b): one learner.

    Read by ``knowledge_tracing.anki.study_rows`` (the app import's reader and template
    renderer): the answers only (manual reschedules dropped), item = the card, its text
    the rendered front and back, concept = the card's deck. Recall is a rating above 1.
    An unreadable file raises ``DataFormatError`` with the reader's reason.
    """
    from knowledge_tracing.anki.limits import AnkiFileError
    from knowledge_tracing.anki.study_rows import read_study_rows

    try:
        study_rows = read_study_rows(path)
    except AnkiFileError as error:
        raise DataFormatError(path, 1, str(error)) from None
    rows = ParsedRows()
    for review in study_rows.reviews:
        rows.append(
            learner=path.name,
            item=review.card_id,
            concept=study_rows.card_deck[review.card_id],
            time=review.reviewed_at.timestamp(),
            outcome=int(review.rating > 1),
            grade=review.rating,
            duration_ms=float(review.duration_ms),
        )
    rows.item_text.update(study_rows.card_text)
    return rows


def _read_lines(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8") as file:
            lines = file.read().splitlines()
    except UnicodeDecodeError as error:
        raise DataFormatError(path, 1, f"not UTF-8 text ({error.reason})") from None
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _csv_records(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict]]:
    """(line number, row dict) for each data row; the header must name every required column."""
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise DataFormatError(path, 1, "empty file, expected a header line") from None
        missing = [name for name in required if name not in header]
        if missing:
            raise DataFormatError(path, 1, f"missing column(s) {', '.join(missing)}")
        for values in reader:
            if not values:
                continue
            if len(values) != len(header):
                raise DataFormatError(path, reader.line_num, f"{len(values)} fields, the header has {len(header)}")
            yield reader.line_num, dict(zip(header, values))


def _parquet_records(path: Path) -> Iterator[tuple[int, dict]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises several unrelated types for unreadable files
        raise DataFormatError(path, 1, f"not a readable Parquet file ({error})") from None
    missing = [name for name in STUDYLOG_REQUIRED_COLUMNS if name not in table.column_names]
    if missing:
        raise DataFormatError(path, 1, f"missing column(s) {', '.join(missing)}")
    for row_number, record in enumerate(table.to_pylist(), start=2):
        yield row_number, record


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-empty line; every object must have every required key."""
    for line_number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFormatError(path, line_number, f"not a JSON object ({error.msg})") from None
        if not isinstance(record, dict):
            raise DataFormatError(path, line_number, "not a JSON object")
        missing = [name for name in STUDYLOG_REQUIRED_COLUMNS if name not in record]
        if missing:
            raise DataFormatError(path, line_number, f"missing key(s) {', '.join(missing)}")
        yield line_number, record


def _require(path: Path, line: int, record: dict, column: str) -> str:
    value = record.get(column)
    if value is None or str(value).strip() == "":
        raise DataFormatError(path, line, f"empty {column}")
    return str(value).strip()


def _parse_int(path: Path, line: int, text, what: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise DataFormatError(path, line, f"{what} must be an integer, got {str(text)[:40]!r}") from None


def _parse_int_list(path: Path, line: int, text: str, what: str) -> list[int]:
    fields = text.strip().rstrip(",").split(",")
    return [_parse_int(path, line, value, what) for value in fields]


def _parse_grade(path: Path, line: int, value, column: str) -> int:
    grade = _parse_int(path, line, value, column)
    if not 1 <= grade <= 4:
        raise DataFormatError(path, line, f"{column} must be 1-4, got {grade}")
    return grade


def _parse_outcome(path: Path, line: int, value) -> int:
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return 1
    if text in ("0", "false"):
        return 0
    raise DataFormatError(path, line, f"outcome must be 0 or 1, got {str(value)[:40]!r}")


def _parse_duration(path: Path, line: int, value, column: str) -> float:
    if value is None or str(value).strip() == "":
        return float("nan")
    try:
        duration = float(value)
    except ValueError:
        raise DataFormatError(path, line, f"{column} must be a number of milliseconds, got {str(value)[:40]!r}") from None
    if not duration >= 0:
        raise DataFormatError(path, line, f"{column} must be non-negative, got {value}")
    return duration


def _parse_time(path: Path, line: int, value, column: str, *, integers_are_ms: bool = False) -> float:
    """Seconds since the epoch from ISO-8601 text or a datetime (times without a zone are UTC).

    With ``integers_are_ms``, an integer is milliseconds since the epoch (the FSRS
    optimizer's ``review_time``).
    """
    text = str(value).strip()
    if integers_are_ms and text.isdigit():
        return int(text) / 1000.0
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            expected = "an ISO-8601 time" + (" or epoch milliseconds" if integers_are_ms else "")
            raise DataFormatError(path, line, f"{column} must be {expected}, got {str(value)[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
