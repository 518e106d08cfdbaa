"""Personas over every dashboard URL and CSV: only the cohort's owner (or staff granted the permission) sees them; others get 404."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.accounts import roles
from apps.dashboards.models import SnapshotComputation
from apps.dashboards.services import cohort_snapshot_write
from apps.study.models import StudyLog

pytestmark = pytest.mark.django_db

COHORT_TABLES = ["learners", "mastery", "concepts", "items", "forecast"]
LEARNER_TABLES = ["cards-at-risk", "activity", "concepts"]
PROGRESS_TABLES = ["activity", "distribution", "forecast", "strongest", "weakest", "workload", "study_days"]


def _cohort_urls(cohort, member) -> list[tuple[str, str]]:
    learner = {"cohort_uuid": cohort.uuid, "username": member.username}
    return [
        ("dashboards:cohort_dashboard", reverse("dashboards:cohort_dashboard", args=[cohort.uuid])),
        *[("dashboards:cohort_csv", reverse("dashboards:cohort_csv", args=[cohort.uuid, table])) for table in COHORT_TABLES],
        ("dashboards:computation_status", reverse("dashboards:computation_status", args=[cohort.uuid])),
        ("dashboards:learner_detail", reverse("dashboards:learner_detail", kwargs=learner)),
        *[("dashboards:learner_csv", reverse("dashboards:learner_csv", kwargs={**learner, "table": table})) for table in LEARNER_TABLES],
    ]


def _cohort_posts(cohort) -> list[tuple[str, str, dict]]:
    """The cohort URLs that change something: "Compute now" and the mastery settings."""
    return [
        ("dashboards:compute_now", reverse("dashboards:compute_now", args=[cohort.uuid]), {}),
        ("dashboards:mastery_settings", reverse("dashboards:mastery_settings", args=[cohort.uuid]), {"exam_date": "", "target_recall": "0.8"}),
    ]


@pytest.fixture
def snapshotted(studied_cohort):
    cohort_snapshot_write(cohort=studied_cohort)
    return studied_cohort


@pytest.fixture
def persona(request, make_user, owner, outsider, admin_user):
    """A user by persona name: the member learner, another instructor, a stranger, staff without permissions, a researcher."""
    staff = make_user("staff-member", roles.LEARNER)
    staff.is_staff = True
    staff.save()
    return {
        "member_learner": owner,
        "another_instructor": make_user("another-instructor", roles.INSTRUCTOR),
        "stranger": outsider,
        "staff_without_permissions": staff,
        "researcher": make_user("researcher", roles.RESEARCHER),
    }[request.param]


def test_every_dashboard_url_is_covered_here(snapshotted, owner):
    resolver = get_resolver().namespace_dict["dashboards"][1]
    names = {f"dashboards:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    covered = {name for name, _ in _cohort_urls(snapshotted, owner)} | {name for name, _, _ in _cohort_posts(snapshotted)}
    assert names == covered | {"dashboards:progress", "dashboards:progress_csv"}


def test_the_owner_sees_every_page_and_csv(snapshotted, instructor, owner, web_client_for):
    client = web_client_for(instructor)
    for name, url in _cohort_urls(snapshotted, owner):
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".csv"):
            assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(
    "persona", ["member_learner", "another_instructor", "stranger", "staff_without_permissions", "researcher"], indirect=True
)
def test_everyone_else_gets_404_on_every_cohort_dashboard_url_and_changes_nothing(snapshotted, owner, persona, web_client_for):
    client = web_client_for(persona)
    for name, url in _cohort_urls(snapshotted, owner):
        assert client.get(url).status_code == 404, (name, url)
    for name, url, data in _cohort_posts(snapshotted):
        assert client.post(url, data).status_code == 404, (name, url)
    snapshotted.refresh_from_db()
    assert snapshotted.target_recall == 0.7 and not SnapshotComputation.objects.exists()


def test_the_owner_computes_now_and_changes_the_settings(snapshotted, instructor, web_client_for):
    client = web_client_for(instructor)
    for name, url, data in _cohort_posts(snapshotted):
        assert client.post(url, data).status_code == 302, name
    snapshotted.refresh_from_db()
    assert snapshotted.target_recall == 0.8 and SnapshotComputation.objects.filter(cohort=snapshotted).count() == 1


def test_staff_granted_the_permission_see_the_dashboard(snapshotted, make_user, owner, web_client_for):
    staff = make_user("auditor", roles.LEARNER)
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="view_cohortsnapshot"))
    client = web_client_for(staff)
    assert all(client.get(url).status_code == 200 for _, url in _cohort_urls(snapshotted, owner))
    (_, compute, _), (_, settings_url, data) = _cohort_posts(snapshotted)
    assert client.post(compute).status_code == 302 and SnapshotComputation.objects.filter(cohort=snapshotted).exists()
    assert client.post(settings_url, data).status_code == 404  # the settings are the cohort's: changing them needs change_cohort


def test_the_owner_cannot_open_someone_outside_the_cohort(snapshotted, instructor, outsider, web_client_for):
    client = web_client_for(instructor)
    for name, url in _cohort_urls(snapshotted, outsider):
        if "learner" in name:
            assert client.get(url).status_code == 404, url


def test_an_unknown_table_is_404(snapshotted, instructor, owner, web_client_for):
    client = web_client_for(instructor)
    assert client.get(reverse("dashboards:cohort_csv", args=[snapshotted.uuid, "passwords"])).status_code == 404
    assert client.get(reverse("dashboards:progress_csv", args=["passwords"])).status_code == 404


def test_each_learner_sees_only_their_own_progress(snapshotted, owner, outsider, web_client_for, public_deck):
    owner_csv = web_client_for(owner).get(reverse("dashboards:progress_csv", args=["study_days"])).content.decode()
    fresh = web_client_for(owner.__class__.objects.create_user("fresh"))
    study_days = {timezone.localdate(moment) for moment in StudyLog.objects.filter(learner=owner).values_list("answered_at", flat=True)}
    assert len(owner_csv.strip().splitlines()) == 1 + len(study_days) > 2  # header and the days they studied (the deck decides which)
    for table in PROGRESS_TABLES:
        response = fresh.get(reverse("dashboards:progress_csv", args=[table]))
        assert response.status_code == 200
    assert fresh.get(reverse("dashboards:progress_csv", args=["study_days"])).content.decode().strip() == "day,answers"
    assert "Streak: 0 days" in fresh.get(reverse("dashboards:progress")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(snapshotted, owner, client):
    for _, url in [*_cohort_urls(snapshotted, owner), ("", reverse("dashboards:progress")), ("", reverse("dashboards:progress_csv", args=["forecast"]))]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    for _, url, data in _cohort_posts(snapshotted):
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert not SnapshotComputation.objects.exists()


def test_the_cohort_page_links_the_dashboard_only_for_those_it_opens_for(snapshotted, make_user, instructor, web_client_for):
    cohort_page = reverse("cohorts:cohort_detail", args=[snapshotted.uuid])
    dashboard = reverse("dashboards:cohort_dashboard", args=[snapshotted.uuid])
    viewer = make_user("cohort-viewer", roles.LEARNER)
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    assert dashboard in web_client_for(instructor).get(cohort_page).content.decode()
    page = web_client_for(viewer).get(cohort_page)
    assert page.status_code == 200
    assert dashboard not in page.content.decode()
    viewer.user_permissions.add(Permission.objects.get(codename="view_cohortsnapshot"))
    assert dashboard in web_client_for(viewer).get(cohort_page).content.decode()
