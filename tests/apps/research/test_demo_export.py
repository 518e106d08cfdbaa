"""A fresh install's simulated learners consent, so a researcher exports their logs and evaluates the models in two commands.

An export that no consented log matches says so (on the page and on the command line)
instead of writing a header and nothing else.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.cards.management.commands.load_demo import DEMO_DECK_TITLE
from apps.cards.models import Deck
from apps.modeling.simulation import simulated_learner_accounts
from apps.research.models import ResearchConsentPeriod, ResearchExport
from apps.research.services import NOTHING_TO_EXPORT
from apps.study.models import StudyLog
from knowledge_tracing.cli import main as knowledge_tracing_main

pytestmark = pytest.mark.django_db


def _simulate(*extra) -> str:
    output = StringIO()
    call_command("simulate_learners", "--learners", "2", "--days", "6", "--seed", "4", *extra, stdout=output, stderr=StringIO())
    return output.getvalue()


def test_after_load_demo_and_simulate_learners_the_two_documented_commands_score_the_models(tmp_path):
    call_command("load_demo", stdout=StringIO())
    assert "They consent to research exports from their first day" in _simulate()
    deck = Deck.objects.get(title=DEMO_DECK_TITLE)
    learners = simulated_learner_accounts(count=2, seed=4)
    first_answer = StudyLog.objects.filter(learner__in=learners).order_by("answered_at").first().answered_at
    for learner in learners:
        period = ResearchConsentPeriod.objects.get(learner=learner)
        assert period.ended_at is None and period.started_at <= first_answer

    export = tmp_path / "export"
    output = StringIO()
    call_command("export_study_logs", "--format", "csv", "--output", str(export), stdout=output, stderr=StringIO())
    manifest = json.loads((export / "manifest.json").read_text())
    assert manifest["rows"] == StudyLog.objects.filter(deck=deck, learner__in=learners).count() > 0
    assert output.getvalue().strip().splitlines()[-1] == str(export / "manifest.json")

    results = tmp_path / "results.json"
    arguments = ["evaluate", "--format", "studylog", "--data", str(export / "study_logs.csv"), "--models", "fsrs6,hlr,constant"]
    assert knowledge_tracing_main(arguments + ["--json", str(results)]) == 0
    report = json.loads(results.read_text())
    assert [result["model"] for result in report["results"]] == ["fsrs6", "hlr", "constant"]
    assert all(result["n"] > 0 and 0 <= result["auc"] <= 1 for result in report["results"])


def test_without_consent_the_export_says_there_is_nothing_to_export_and_writes_nothing(private_deck, tmp_path, researcher, web_client_for):
    assert "have not given research consent" in _simulate("--deck", str(private_deck.pk), "--no-consent")
    assert StudyLog.objects.exists() and not ResearchConsentPeriod.objects.exists()

    with pytest.raises(CommandError, match="No study log can be exported with these filters"):
        call_command("export_study_logs", "--format", "csv", "--output", str(tmp_path / "export"), stdout=StringIO(), stderr=StringIO())
    assert not (tmp_path / "export").exists()

    response = web_client_for(researcher).post(reverse("research:export_list"), {"format": "csv"})
    assert response.status_code == 200 and "text/csv" not in response["Content-Type"]
    assert NOTHING_TO_EXPORT.replace("'", "&#x27;") in response.content.decode()
    assert not ResearchExport.objects.exists()
