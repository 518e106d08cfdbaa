"""Merging ASSISTments rows that repeat one multi-skill problem."""

from pathlib import Path

import pytest

from knowledge_tracing.data.loaders import load_tables
from knowledge_tracing.data.multi_skill import repeated_problem_rows

ASSIST2009 = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "kt" / "assist2009" / "train.csv"


def test_a_repeated_pair_keeps_one_row_per_problem():
    # The start of a real ASSIST2009 learner: problems tagged (4, 8) once, then (4, 5) three times.
    skills = [4, 8, 4, 5, 4, 5, 4, 5, 10, 10]
    answers = [0, 0, 1, 1, 0, 0, 1, 1, 1, 0]
    assert repeated_problem_rows(skills, answers) == [False, False, False, True, False, True, False, True, False, False]


def test_a_triple_is_recognised_and_a_lone_pair_is_not():
    skills = [12, 13, 14, 12, 13, 14, 6, 9]
    answers = [1, 1, 1, 0, 0, 0, 1, 1]
    assert repeated_problem_rows(skills, answers) == [False, True, True, False, True, True, False, False]


def test_rows_whose_answers_differ_are_separate_problems():
    skills = [4, 5, 4, 5, 4, 5]
    answers = [0, 1, 1, 0, 1, 0]
    assert not any(repeated_problem_rows(skills, answers))


def test_one_skill_repeated_is_never_merged():
    assert not any(repeated_problem_rows([7, 7, 7, 7], [1, 1, 1, 1]))


def test_the_loader_merges_only_when_asked(tmp_path):
    path = tmp_path / "assist.csv"
    path.write_text("6\n4,5,4,5,9,9\n1,1,0,0,1,0\n")
    (expanded,) = load_tables("assist", [path])
    (merged,) = load_tables("assist", [path], merge_multi_skill=True)
    assert len(expanded) == 6
    assert len(merged) == 4
    assert merged.outcome.tolist() == [1, 0, 1, 0]
    assert merged.time.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_merging_is_refused_for_formats_that_carry_no_expanded_rows(tmp_path):
    with pytest.raises(ValueError, match="assist format only"):
        load_tables("revlog", [tmp_path / "x.csv"], merge_multi_skill=True)


@pytest.mark.skipif(not ASSIST2009.exists(), reason="shared ASSISTments data not present")
def test_on_assist2009_it_removes_most_of_the_answer_leak():
    (merged,) = load_tables("assist", [ASSIST2009], merge_multi_skill=True)
    (expanded,) = load_tables("assist", [ASSIST2009])
    assert 0.10 < 1 - len(merged) / len(expanded) < 0.15
    learner, concept, outcome = merged.learner, merged.concept, merged.outcome
    same_learner = learner[1:] == learner[:-1]
    changed = same_learner & (concept[1:] != concept[:-1])
    kept = same_learner & (concept[1:] == concept[:-1])
    repeats_answer = outcome[1:] == outcome[:-1]
    assert abs(repeats_answer[changed].mean() - repeats_answer[kept].mean()) < 0.03
