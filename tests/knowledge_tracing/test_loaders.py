"""Loaders read the three formats into tables with shared ids, and name the line of any bad record."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from knowledge_tracing.data.loaders import DataFormatError, load_tables

REVLOG_HEADER = "card_id,review_rating,review_time,review_duration\n"
STUDYLOG_HEADER = "learner,card,answered_at,outcome,grade,response_ms,card_text,concepts,extra\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_assist_files_share_skill_ids_and_use_steps_as_time(tmp_path):
    train = _write(tmp_path, "train.csv", "3\n5,7,5,\n1,0,1,\n2\n7,7\n0,1\n")
    test = _write(tmp_path, "test.csv", "2\n9,5\n1,1\n")
    names = _write(tmp_path, "skills.txt", "5\tFractions\n7\tDecimals\n9\tPercent\n")
    train_table, test_table = load_tables("assist", [train, test], skill_names=names)
    assert train_table.item_keys == test_table.item_keys == (5, 7, 9)
    assert train_table.item_text == ("Fractions", "Decimals", "Percent")
    assert not train_table.has_timestamps
    assert train_table.n_learners == 3
    np.testing.assert_array_equal(train_table.time, [0, 1, 2, 0, 1])
    np.testing.assert_array_equal(train_table.item, [0, 1, 0, 1, 1])
    np.testing.assert_array_equal(train_table.outcome, [1, 0, 1, 0, 1])
    np.testing.assert_array_equal(test_table.concept, [2, 0])


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("3\n5,7\n1,0\n", 2, "2 skill ids but the count says 3"),
        ("2\n5,7\n1,2\n", 3, "answers must be 0 or 1"),
        ("2\n5,7\n1,0\nx\n1\n1\n", 4, "interaction count must be an integer"),
        ("2\n5,0\n1,0\n", 2, "1-based"),
        ("2\n5,7\n1,0\n1\n", 4, "groups of 3 lines"),
    ],
)
def test_assist_rejects_malformed_groups_naming_the_line(tmp_path, text, line, message):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(DataFormatError, match=message) as raised:
        load_tables("assist", [path])
    assert raised.value.line == line
    assert f"{path}, line {line}:" in str(raised.value)


def test_revlog_outcome_is_rating_above_one_and_rows_are_time_ordered(tmp_path):
    path = _write(
        tmp_path,
        "josh.csv",
        REVLOG_HEADER
        + "11,3,2024-03-02T10:00:00+00:00,5000\n"
        + "11,1,2024-03-01T10:00:00+00:00,7000\n"
        + "12,2,2024-03-01T11:00:00Z,\n",
    )
    (table,) = load_tables("revlog", [path])
    assert table.learner_keys == ("josh",)
    assert table.item_keys == ("11", "12")
    np.testing.assert_array_equal(table.grade, [1, 2, 3])
    np.testing.assert_array_equal(table.outcome, [0, 1, 1])
    assert table.time[1] - table.time[0] == 3600
    assert np.isnan(table.duration_ms[1])


@pytest.mark.parametrize(
    "rows, line, message",
    [
        ("11,5,2024-03-01T10:00:00Z,1\n", 2, "review_rating must be 1-4"),
        ("11,3,2024-03-01T10:00:00Z,1\n11,3,yesterday,1\n", 3, "ISO-8601"),
        ("11,3,2024-03-01T10:00:00Z,1\n11,3,2024-03-02T10:00:00Z,-4\n", 3, "non-negative"),
        ("11,3,2024-03-01T10:00:00Z\n", 2, "3 fields, the header has 4"),
    ],
)
def test_revlog_rejects_malformed_rows_naming_the_line(tmp_path, rows, line, message):
    path = _write(tmp_path, "bad.csv", REVLOG_HEADER + rows)
    with pytest.raises(DataFormatError, match=message) as raised:
        load_tables("revlog", [path])
    assert raised.value.line == line


def test_revlog_without_required_column_names_the_header(tmp_path):
    path = _write(tmp_path, "bad.csv", "card_id,review_rating,review_time\n1,3,2024-03-01T10:00:00Z\n")
    with pytest.raises(DataFormatError, match="line 1: missing column.*review_duration"):
        load_tables("revlog", [path])


def test_studylog_csv_reads_text_concepts_and_ignores_extra_columns(tmp_path):
    path = _write(
        tmp_path,
        "export.csv",
        STUDYLOG_HEADER
        + 'ann,c1,2024-05-01T09:00:00+02:00,1,3,1200,"Capital of\nFrance?",geo|europe,x\n'
        + "bob,c2,2024-05-01T08:00:00Z,0,1,3000,,,y\n"
        + "ann,c2,2024-05-01T06:59:00Z,0,1,,,,z\n",
    )
    (table,) = load_tables("studylog", [path])
    assert table.learner_keys == ("ann", "bob")
    assert table.item_keys == ("c1", "c2")
    assert table.item_text == ("Capital of\nFrance?", "")
    np.testing.assert_array_equal(table.item, [1, 0, 1])
    assert table.concept[1] != table.concept[0]


def test_studylog_csv_line_numbers_count_multiline_text(tmp_path):
    path = _write(
        tmp_path,
        "export.csv",
        STUDYLOG_HEADER
        + 'ann,c1,2024-05-01T09:00:00Z,1,3,1200,"two\nlines",,\n'
        + "ann,c2,2024-05-01T09:01:00Z,maybe,3,1200,,,\n",
    )
    with pytest.raises(DataFormatError, match="line 4: outcome must be 0 or 1"):
        load_tables("studylog", [path])


def test_studylog_parquet_reports_row_as_line(tmp_path):
    frame = pd.DataFrame(
        {
            "learner": ["ann", "ann"],
            "card": ["c1", "c2"],
            "answered_at": ["2024-05-01T09:00:00Z", "2024-05-01T09:05:00Z"],
            "outcome": [1, 1],
            "grade": [3, 9],
            "response_ms": [800, 900],
        }
    )
    path = tmp_path / "export.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataFormatError, match="line 3: grade must be 1-4"):
        load_tables("studylog", [path])
    frame.loc[1, "grade"] = 4
    frame.to_parquet(path)
    (table,) = load_tables("studylog", [path])
    np.testing.assert_array_equal(table.grade, [3, 4])
    assert table.item_text is None


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'mnemosyne'"):
        load_tables("mnemosyne", [tmp_path / "x.csv"])


def test_revlog_reads_the_fsrs_optimizers_millisecond_times_and_a_directory_as_one_log_per_learner(tmp_path):
    folder = tmp_path / "revlog"
    folder.mkdir()
    header = "card_id,review_time,review_rating,review_state,review_duration\n"
    _write(folder, "ann.csv", header + "c1,1714550400000,3,0,1200\nc1,1714636800000,1,2,900\n")
    _write(folder, "bob.csv", header + "c1,1714550460000,4,0,800\n")
    (table,) = load_tables("revlog", [folder])
    assert table.learner_keys == ("ann", "bob")
    assert table.item_keys == ("c1",)
    assert sorted(table.time) == [1714550400.0, 1714550460.0, 1714636800.0]
    np.testing.assert_array_equal(np.sort(table.grade), [1, 3, 4])


def test_studylog_jsonl_reads_like_csv_and_names_the_bad_line(tmp_path):
    path = _write(
        tmp_path,
        "export.jsonl",
        '{"learner": "ann", "card": "c1", "answered_at": "2024-05-01T09:00:00Z", "outcome": 1, "grade": 3, "response_ms": 700}\n'
        '{"learner": "bob", "card": "c1", "answered_at": "2024-05-01T09:01:00Z", "outcome": 0, "grade": 1, "response_ms": null}\n',
    )
    (table,) = load_tables("studylog", [path])
    assert table.learner_keys == ("ann", "bob")
    np.testing.assert_array_equal(table.outcome, [1, 0])
    _write(tmp_path, "export.jsonl", path.read_text() + '{"learner": "ann", "card": "c2"}\n')
    with pytest.raises(DataFormatError, match="line 3: missing key"):
        load_tables("studylog", [path])
