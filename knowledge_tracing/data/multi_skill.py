"""Find ASSISTments rows that repeat one multi-skill problem, so they can be merged.

The preprocessed ASSIST2009 files expand a problem tagged with several skills into one
row per skill, each with the problem's answer. A model that has read the first of those
rows knows the answer to the next, which inflates every sequence model's AUC. The files
carry no problem ids, so such a problem is recognised by its shape in a skill-builder
session: a tuple of 2 to ``MAX_SKILLS`` distinct skills whose rows share one answer,
immediately repeated (the learner works several problems of the same set, and the tuple
comes back in the same order). Each repetition keeps its first row.

A multi-skill problem answered only once in a row is not recognised and stays expanded;
on ASSIST2009 the rule merges 12% of the rows, and afterwards a row whose skill differs
from the previous one repeats its answer 69% of the time against 67% for a row of the
same skill (78% before), so most of the leak is gone. ASSIST2015 is single-skill and
loses almost nothing (38 of 484,040 training rows).
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_SKILLS = 4


def repeated_problem_rows(skills: Sequence[int], answers: Sequence[int]) -> list[bool]:
    """For each row, whether it repeats the problem of the row before (True: drop it)."""
    n = len(skills)
    repeat = [False] * n
    start = 0
    while start < n:
        width = _repeated_tuple_width(skills, answers, start)
        if not width:
            start += 1
            continue
        problem = list(skills[start : start + width])
        while _is_problem(skills, answers, start, width, problem):
            for row in range(start + 1, start + width):
                repeat[row] = True
            start += width
    return repeat


def _repeated_tuple_width(skills: Sequence[int], answers: Sequence[int], start: int) -> int:
    """The width of a tuple of distinct skills that starts at ``start`` and comes again right after it (0: none)."""
    for width in range(2, MAX_SKILLS + 1):
        first = skills[start : start + width]
        if len(first) < width or len(set(first)) < width:
            continue
        if _is_problem(skills, answers, start, width, first) and _is_problem(skills, answers, start + width, width, first):
            return width
    return 0


def _is_problem(skills: Sequence[int], answers: Sequence[int], start: int, width: int, expected: Sequence[int]) -> bool:
    """Whether the ``width`` rows from ``start`` are the skills ``expected``, in order, with one answer."""
    return list(skills[start : start + width]) == list(expected) and len(set(answers[start : start + width])) == 1
