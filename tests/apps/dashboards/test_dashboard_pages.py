"""What the instructor and the learner read: the snapshot's figures, when they were computed, and the same figures as CSV."""

import csv
import io
import re
from urllib.parse import urljoin

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.dashboards.models import CardRecall, ConceptMastery, LearnerMastery
from apps.dashboards.services import cohort_snapshot_write
from apps.dashboards.tables import csv_response, Table

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_before_any_snapshot_the_dashboard_says_so(cohort, instructor, web_client_for):
    page = web_client_for(instructor).get(reverse("dashboards:cohort_dashboard", args=[cohort.uuid])).content.decode()
    assert 'id="no-snapshot"' in page and "mastery-heatmap" not in page


def test_the_dashboard_shows_the_snapshot_heatmap_and_its_time(studied_cohort, instructor, owner, web_client_for):
    snapshot = cohort_snapshot_write(cohort=studied_cohort)
    client = web_client_for(instructor)
    page = client.get(reverse("dashboards:cohort_dashboard", args=[studied_cohort.uuid])).content.decode()

    assert f"Computed {timezone.localtime(snapshot.computed_at):%Y-%m-%d %H:%M}" in page
    cell = ConceptMastery.objects.get(snapshot=snapshot, learner=owner, concept="demo")
    assert f"{cell.mean_recall:.0%}</a> <small>{cell.cards_studied}</small>" in page
    dashboard = reverse("dashboards:cohort_dashboard", args=[studied_cohort.uuid])
    link = re.search(rf'<th scope="row"><a href="([^"]+)">{owner.username}</a>', page).group(1)
    assert urljoin(dashboard, link) == reverse("dashboards:learner_detail", args=[studied_cohort.uuid, owner.username])

    mastery = _csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "mastery"])))
    expected = ConceptMastery.objects.filter(snapshot=snapshot)
    assert len(mastery) == expected.count()
    assert {(row["learner"], row["concept"], float(row["mean_predicted_recall"])) for row in mastery} == {
        (row.learner.username, row.concept, round(row.mean_recall, 3)) for row in expected
    }
    learners = {row["learner"]: row for row in _csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "learners"])))}
    assert int(learners[owner.username]["cards_at_risk"]) == LearnerMastery.objects.get(snapshot=snapshot, learner=owner).cards_at_risk
    forecast = _csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "forecast"])))
    assert [int(row["reviews_due"]) for row in forecast] == snapshot.review_forecast


def test_the_learner_detail_lists_exactly_the_cards_at_risk(studied_cohort, instructor, owner, web_client_for):
    snapshot = cohort_snapshot_write(cohort=studied_cohort)
    client = web_client_for(instructor)
    page = client.get(reverse("dashboards:learner_detail", args=[studied_cohort.uuid, owner.username])).content.decode()
    at_risk = LearnerMastery.objects.get(snapshot=snapshot, learner=owner).cards_at_risk
    assert f'data-figure="cards-at-risk">{at_risk}<' in page
    rows = _csv(client.get(reverse("dashboards:learner_csv", args=[studied_cohort.uuid, owner.username, "cards-at-risk"])))
    assert len(rows) == at_risk
    recalls = dict(CardRecall.objects.filter(snapshot__learner=owner).values_list("card__front", "predicted_recall"))
    assert all(float(row["predicted_recall"]) == round(recalls[row["card"]], 3) for row in rows)
    activity = _csv(client.get(reverse("dashboards:learner_csv", args=[studied_cohort.uuid, owner.username, "activity"])))
    assert sum(int(row["answers"]) for row in activity) == owner.study_logs.count()


def test_the_progress_page_draws_from_the_learners_own_data(studied_cohort, owner, web_client_for):
    cohort_snapshot_write(cohort=studied_cohort)
    client = web_client_for(owner)
    page = client.get(reverse("dashboards:progress")).content.decode()
    assert "Streak: 4 days" in page and 'id="target-retention">0.85<' in page
    for source in ("activity-chart", "distribution-chart", "forecast-chart", "workload-chart"):
        assert f'data-source="{source}"' in page and f'id="{source}"' in page
    distribution = _csv(client.get(reverse("dashboards:progress_csv", args=["distribution"])))
    assert sum(int(row["cards"]) for row in distribution) == CardRecall.objects.filter(snapshot__learner=owner).count()
    workload = _csv(client.get(reverse("dashboards:progress_csv", args=["workload"])))
    assert [row["target_retention"] for row in workload] == [f"{0.75 + 0.02 * step:.2f}" for step in range(12)]
    reviews = [float(row["mean_daily_reviews"]) for row in workload]
    assert reviews[-1] > reviews[0]  # aiming higher costs more reviews


def test_csv_cells_that_look_like_formulas_are_kept_as_text():
    response = csv_response(Table(["card"], [["=HYPERLINK(1)"], ["-1+2"], ["plain"]]), filename="x.csv")
    assert response.content.decode().splitlines()[1:] == ["'=HYPERLINK(1)", "'-1+2", "plain"]
