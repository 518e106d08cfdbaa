"""Only consenting learners, and only their logs from while they consented, leave the system, under a stable pseudonym."""

import csv
from datetime import timedelta

import pytest

from apps.research.pseudonyms import learner_pseudonymiser
from apps.research.selectors import ExportFilters
from apps.research.services import research_consent_give, research_consent_withdraw, study_logs_export

from .conftest import START


def _export_rows(tmp_path, name="export", **options) -> list[dict]:
    study_logs_export(export_format="csv", output_dir=tmp_path / name, filters=ExportFilters(), **options)
    with (tmp_path / name / "study_logs.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_non_consenting_learners_never_appear(tmp_path, owner, other_learner, private_deck, answer, consent):
    card = private_deck.cards.first()
    consent(owner, START)
    for day in range(3):
        answer(owner, card, START + timedelta(days=day))
        answer(other_learner, card, START + timedelta(days=day, hours=1))
    rows = _export_rows(tmp_path)
    assert len(rows) == 3
    pseudonym = learner_pseudonymiser()
    assert {row["learner"] for row in rows} == {pseudonym(owner.pk)}
    text = (tmp_path / "export" / "study_logs.csv").read_text()
    assert pseudonym(other_learner.pk) not in text and other_learner.username not in text


def test_only_logs_answered_inside_a_consent_period_are_exported(tmp_path, owner, private_deck, answer, consent):
    card = private_deck.cards.first()
    consent(owner, START + timedelta(days=1), START + timedelta(days=3))
    consent(owner, START + timedelta(days=5))
    inside = {1, 2, 5, 6}
    for day in range(7):
        answer(owner, card, START + timedelta(days=day, hours=2))
    days = sorted((int(row["answered_at"][8:10]) - START.day) for row in _export_rows(tmp_path))
    assert set(days) == inside


def test_an_undone_answer_is_not_exported(tmp_path, owner, private_deck, answer, consent):
    from apps.study.models import StudyLogUndo

    consent(owner, START)
    kept, undone = (answer(owner, card, START + timedelta(hours=1)) for card in private_deck.cards.all()[:2])
    StudyLogUndo.objects.create(log=undone, undone_at=START + timedelta(hours=2))
    assert [row["card"] for row in _export_rows(tmp_path)] == [str(kept.card.uuid)]


def test_opting_out_and_in_again_keeps_the_history_of_periods(owner):
    first = research_consent_give(learner=owner, now=START)
    assert research_consent_give(learner=owner, now=START + timedelta(days=1)) == first
    research_consent_withdraw(learner=owner, now=START + timedelta(days=2))
    assert research_consent_withdraw(learner=owner, now=START + timedelta(days=3)) is None
    research_consent_give(learner=owner, now=START + timedelta(days=4))
    periods = list(owner.research_consent_periods.order_by("started_at").values_list("started_at", "ended_at"))
    assert periods == [(START, START + timedelta(days=2)), (START + timedelta(days=4), None)]


def test_the_pseudonym_is_stable_within_a_key_and_never_the_id_or_username(tmp_path, settings, owner, private_deck, answer, consent):
    consent(owner, START)
    answer(owner, private_deck.cards.first(), START + timedelta(hours=1))
    first, again = _export_rows(tmp_path, "first"), _export_rows(tmp_path, "again")
    pseudonym = first[0]["learner"]
    assert again[0]["learner"] == pseudonym
    assert pseudonym not in {str(owner.pk), owner.username} and owner.username not in pseudonym
    assert len(pseudonym) >= 20
    settings.MNEMO_RESEARCH_PSEUDONYM_KEY = "another-key"
    assert _export_rows(tmp_path, "other-key")[0]["learner"] != pseudonym


def test_without_a_key_nothing_is_exported(tmp_path, settings, owner):
    from django.core.exceptions import ImproperlyConfigured

    settings.MNEMO_RESEARCH_PSEUDONYM_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="MNEMO_RESEARCH_PSEUDONYM_KEY"):
        _export_rows(tmp_path)
    assert not (tmp_path / "export" / "study_logs.csv").exists()


def test_filters_by_date_range_cohort_and_deck(tmp_path, owner, other_learner, instructor, private_deck, public_deck, answer, consent):
    from apps.accounts.models import Cohort

    for learner in (owner, other_learner):
        consent(learner, START)
    answer(owner, private_deck.cards.first(), START + timedelta(days=1))
    answer(owner, public_deck.cards.first(), START + timedelta(days=2))
    answer(other_learner, public_deck.cards.first(), START + timedelta(days=3))
    cohort = Cohort.objects.create(name="Evening class", owner=instructor)
    cohort.members.add(other_learner)

    def exported(**filters) -> int:
        name = f"export-{len(list(tmp_path.iterdir()))}"
        study_logs_export(export_format="csv", output_dir=tmp_path / name, filters=ExportFilters(**filters))
        return len(list(csv.DictReader((tmp_path / name / "study_logs.csv").open())))

    assert exported() == 3
    assert exported(deck=public_deck) == 2
    assert exported(cohort=cohort) == 1
    assert exported(answered_from=START + timedelta(days=2)) == 2
    assert exported(answered_from=START + timedelta(days=1), answered_before=START + timedelta(days=2)) == 1
