"""What the instructor and the learner read: the snapshot's figures, when they were computed, and the same figures as CSV."""

import csv
import html
import io
import re
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import cohort_invite_create, cohort_join
from apps.pagination import PAGE_SIZE

from apps.study.models import StudyLog
from apps.dashboards.models import CardRecall, CohortCardMastery, ConceptMastery, LearnerMastery, SnapshotComputation
from apps.dashboards.services import cohort_snapshot_write, snapshots_refresh
from apps.dashboards.tables import csv_response, Table
from apps.dashboards.tasks import compute_cohort_snapshot

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_before_any_snapshot_the_dashboard_says_what_to_do(cohort, instructor, web_client_for):
    page = web_client_for(instructor).get(reverse("dashboards:cohort_dashboard", args=[cohort.uuid])).content.decode()
    assert 'id="no-snapshot"' in page and "mastery-heatmap" not in page
    assert "No numbers yet for this cohort. Press “Compute now”" in page and 'id="compute-now"' in page


def test_the_dashboard_shows_the_snapshot_heatmap_its_age_and_its_definitions(studied_cohort, instructor, owner, web_client_for):
    snapshot = cohort_snapshot_write(cohort=studied_cohort, now=timezone.now() - timedelta(minutes=3))
    client = web_client_for(instructor)
    page = client.get(reverse("dashboards:cohort_dashboard", args=[studied_cohort.uuid])).content.decode()

    assert "Computed <time" in page and ">3\xa0minutes ago</time>" in page
    assert f"({timezone.localtime(snapshot.computed_at):%Y-%m-%d %H:%M})" in page
    text = html.unescape(page)
    assert "<strong>Mastery</strong>: a card's predicted recall if not studied for the next 7 days" in text
    assert "from each card's FSRS-6 memory state (no model is served for these cards yet)" in text
    assert "<strong>At risk</strong>: mastery below 70% (the cohort's target), or overdue" in text
    assert "<strong>Hardest</strong>: lowest mean mastery across the learners who studied the card" in text
    cell = ConceptMastery.objects.get(snapshot=snapshot, learner=owner, concept="demo")
    assert f"{cell.mean_mastery:.0%}</a> <small>{cell.cards_studied}</small>" in page
    dashboard = reverse("dashboards:cohort_dashboard", args=[studied_cohort.uuid])
    link = re.search(rf'<th scope="row"><a href="([^"]+)">{owner.username}</a>', page).group(1)
    assert urljoin(dashboard, link) == reverse("dashboards:learner_detail", args=[studied_cohort.uuid, owner.username])

    mastery = _csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "mastery"])))
    expected = ConceptMastery.objects.filter(snapshot=snapshot)
    assert len(mastery) == expected.count()
    assert {(row["learner"], row["concept"], float(row["mean_mastery"])) for row in mastery} == {
        (row.learner.username, row.concept, round(row.mean_mastery, 3)) for row in expected
    }
    learners = {row["learner"]: row for row in _csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "learners"])))}
    assert int(learners[owner.username]["cards_at_risk"]) == LearnerMastery.objects.get(snapshot=snapshot, learner=owner).cards_at_risk
    forecast = _csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "forecast"])))
    assert [int(row["reviews_due"]) for row in forecast] == snapshot.review_forecast


def _learners_page(client, cohort, page: int) -> tuple[int, str]:
    """(queries the dashboard took, the page) for ``?learners_page=page``."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:cohort_dashboard", args=[cohort.uuid]), {"learners_page": page})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _listed(page: str, table_id: str) -> list[str]:
    body = re.search(rf'id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return re.findall(r'<a href="learners/[^"]+">([^<]+)</a>', body)


def test_the_dashboard_lists_a_page_of_learners_in_as_many_queries_however_large_the_cohort(studied_cohort, instructor, make_user, web_client_for):
    client = web_client_for(instructor)
    cohort_snapshot_write(cohort=studied_cohort)
    few_queries, few = _learners_page(client, studied_cohort, 1)
    assert _listed(few, "learner-table") == ["other-learner", "owner"] and "Page 1 of" not in few

    invite = cohort_invite_create(cohort=studied_cohort, valid_days=7, max_uses=PAGE_SIZE + 10)
    for index in range(PAGE_SIZE + 5):
        cohort_join(learner=make_user(f"late-{index:03d}"), code=invite.code)
    cohort_snapshot_write(cohort=studied_cohort)
    first_queries, first = _learners_page(client, studied_cohort, 1)
    second_queries, second = _learners_page(client, studied_cohort, 2)

    assert few_queries == first_queries == second_queries
    everyone = sorted(["other-learner", "owner", *(f"late-{index:03d}" for index in range(PAGE_SIZE + 5))])
    assert _listed(first, "learner-table") == everyone[:PAGE_SIZE] and _listed(second, "learner-table") == everyone[PAGE_SIZE:]
    heatmap_rows = re.findall(r'<th scope="row"><a href="learners/[^"]+">([^<]+)</a>', second)
    assert heatmap_rows == everyone[PAGE_SIZE:]
    assert f"Page 1 of 2 · {len(everyone)} in all" in first and "?learners_page=2" in first
    assert len(_csv(client.get(reverse("dashboards:cohort_csv", args=[studied_cohort.uuid, "learners"])))) == len(everyone)


def test_the_learner_detail_lists_exactly_the_cards_at_risk(studied_cohort, instructor, owner, web_client_for):
    snapshot = cohort_snapshot_write(cohort=studied_cohort)
    client = web_client_for(instructor)
    page = client.get(reverse("dashboards:learner_detail", args=[studied_cohort.uuid, owner.username])).content.decode()
    at_risk = LearnerMastery.objects.get(snapshot=snapshot, learner=owner).cards_at_risk
    assert f'data-figure="cards-at-risk">{at_risk}<' in page
    rows = _csv(client.get(reverse("dashboards:learner_csv", args=[studied_cohort.uuid, owner.username, "cards-at-risk"])))
    assert len(rows) == at_risk
    mastery = dict(CohortCardMastery.objects.filter(snapshot=snapshot, learner=owner).values_list("card__front", "mastery"))
    assert all(float(row["mastery"]) == round(mastery[row["card"]], 3) for row in rows)
    assert all(float(row["mastery"]) < 0.7 or row["overdue"] == "yes" for row in rows)
    activity = _csv(client.get(reverse("dashboards:learner_csv", args=[studied_cohort.uuid, owner.username, "activity"])))
    assert sum(int(row["answers"]) for row in activity) == owner.study_logs.count()


def test_the_progress_page_draws_from_the_learners_own_data(studied_cohort, owner, web_client_for):
    snapshots_refresh()
    client = web_client_for(owner)
    page = client.get(reverse("dashboards:progress")).content.decode()
    days = {timezone.localdate(moment) for moment in StudyLog.objects.filter(learner=owner).values_list("answered_at", flat=True)}
    streak, day = 0, timezone.localdate() - timedelta(days=1)
    while day in days:  # the days in a row, up to yesterday, on which the learner studied (the deck decides which)
        streak, day = streak + 1, day - timedelta(days=1)
    assert streak >= 1 and f"Streak: {streak} day{'s' if streak > 1 else ''}" in page and 'id="target-retention">0.90<' in page
    assert ">just now</time>" in page
    for source in ("activity-chart", "distribution-chart", "forecast-chart", "workload-chart"):
        assert f'data-source="{source}"' in page and f'id="{source}"' in page
    distribution = _csv(client.get(reverse("dashboards:progress_csv", args=["distribution"])))
    assert sum(int(row["cards"]) for row in distribution) == CardRecall.objects.filter(snapshot__learner=owner).count() > 0
    workload = _csv(client.get(reverse("dashboards:progress_csv", args=["workload"])))
    assert [row["target_retention"] for row in workload] == [f"{0.75 + 0.02 * step:.2f}" for step in range(12)]
    reviews = [float(row["mean_daily_reviews"]) for row in workload]
    assert reviews == sorted(reviews) and reviews[-1] > reviews[0]  # aiming higher costs more reviews
    assert all(float(row["low_daily_reviews_5th_percentile"]) <= float(row["mean_daily_reviews"]) <= float(row["high_daily_reviews_95th_percentile"]) for row in workload)
    assert "<strong>Mastery</strong>: a card's predicted recall if you do not study it for the next 7 days" in html.unescape(page)


def test_csv_cells_that_look_like_formulas_are_kept_as_text():
    response = csv_response(Table(["card"], [["=HYPERLINK(1)"], ["-1+2"], ["plain"]]), filename="x.csv")
    assert response.content.decode().splitlines()[1:] == ["'=HYPERLINK(1)", "'-1+2", "plain"]


def test_the_owner_sets_an_exam_date_and_a_target_and_bad_values_change_nothing(studied_cohort, instructor, web_client_for):
    client = web_client_for(instructor)
    url = reverse("dashboards:mastery_settings", args=[studied_cohort.uuid])
    for data, reason in (
        ({"exam_date": "", "target_recall": "1.5"}, "less than or equal to 0.99"),
        ({"exam_date": "", "target_recall": "9" * 5000}, "Enter a number"),
        ({"exam_date": "", "target_recall": "seventy"}, "Enter a number"),
        ({"exam_date": "2000-01-01", "target_recall": "0.8"}, "between today and 3 years ahead"),
        ({"exam_date": "next friday", "target_recall": "0.8"}, "Enter a valid date"),
    ):
        page = html.unescape(client.post(url, data, follow=True).content.decode())
        assert reason in page, data
    studied_cohort.refresh_from_db()
    assert (studied_cohort.exam_date, studied_cohort.target_recall) == (None, 0.7)
    assert not SnapshotComputation.objects.exists()

    exam = timezone.localdate() + timedelta(days=20)
    page = client.post(url, {"exam_date": exam.isoformat(), "target_recall": "0.8"}, follow=True).content.decode()
    assert "Saved. The numbers are being computed again with the new settings." in page
    studied_cohort.refresh_from_db()
    assert (studied_cohort.exam_date, studied_cohort.target_recall) == (exam, 0.8)
    compute_cohort_snapshot.apply(args=[SnapshotComputation.objects.get().pk])

    page = html.unescape(client.get(reverse("dashboards:cohort_dashboard", args=[studied_cohort.uuid])).content.decode())
    assert f"a card's predicted recall at the exam on {exam:%Y-%m-%d}, if not studied before then" in page
    assert "mastery below 80% (the cohort's target)" in page
