"""An instructor invites a learner, the learner joins through the link and studies, both read their dashboards in Chromium.

Pages are used at 375 px wide, the narrowest phone width we support: nothing may make
the page itself scroll sideways (wide tables scroll inside their own box).
"""

import csv
import io

import pytest

from apps.accounts.models import Cohort
from apps.dashboards.models import SnapshotComputation
from apps.dashboards.tasks import compute_cohort_snapshot
from apps.study.models import StudyLog
from tests.browser.keyboard import sign_in_with_the_keyboard

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


def _signed_in_page(browser, live_server, user, password):
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    sign_in_with_the_keyboard(page, live_server.url, user.username, password)
    return page


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_instructor_and_learner_dashboards(browser, live_server, instructor, owner, password, public_deck, artifacts_dir):
    teacher = _signed_in_page(browser, live_server, instructor, password)
    teacher.goto(f"{live_server.url}/cohorts/")
    teacher.fill("#id_name", "Evening group")
    teacher.get_by_role("button", name="Create").click()
    teacher.get_by_role("button", name="Assign deck").click()
    teacher.get_by_role("button", name="Create invite").click()
    link = teacher.locator("a.join-link").first.get_attribute("href")
    cohort = Cohort.objects.get(name="Evening group")

    learner = _signed_in_page(browser, live_server, owner, password)
    learner.goto(f"{live_server.url}{link}")
    learner.get_by_role("button", name="Join “Evening group”").click()
    learner.wait_for_selector("text=You are a member of “Evening group”.")
    learner.goto(f"{live_server.url}/decks/")
    learner.locator("li", has_text=public_deck.title).get_by_role("button", name="Study").click()
    for _ in range(4):
        shown = learner.wait_for_selector('#study-card[data-phase="front"]').get_attribute("data-shown")
        learner.wait_for_selector('html[data-shortcuts="on"]', state="attached")
        learner.keyboard.press("Space")
        learner.wait_for_selector('#study-card[data-phase="back"]')
        learner.keyboard.press("3")
        learner.wait_for_selector(f'#study-card[data-phase="front"]:not([data-shown="{shown}"])')
    assert StudyLog.objects.filter(learner=owner, deck=public_deck).count() == 4
    assert list(cohort.members.all()) == [owner]

    teacher.goto(f"{live_server.url}/cohorts/{cohort.uuid}/")
    teacher.get_by_role("link", name="Mastery dashboard").click()
    assert "No numbers yet for this cohort" in teacher.inner_text("#no-snapshot")
    teacher.get_by_role("button", name="Compute now").click()
    teacher.wait_for_selector("text=Queued: waiting for a worker to start")
    assert teacher.locator("#compute-now").is_disabled()
    compute_cohort_snapshot.apply(args=[SnapshotComputation.objects.get(cohort=cohort).pk])  # what the worker does
    heatmap = teacher.wait_for_selector("#mastery-heatmap")  # the progress panel saw it done and reloaded the page
    assert teacher.locator("#mastery-heatmap tbody tr").count() == 1
    assert teacher.locator("#mastery-heatmap td[class^=m]").count() >= 1
    teacher.wait_for_selector('canvas[data-drawn="true"]')
    assert teacher.inner_text("#snapshot-time").startswith("Computed just now (")
    assert "Mastery: a card's predicted recall if not studied for the next 7 days" in teacher.inner_text("#definitions")
    assert heatmap and _fits_the_width(teacher)
    teacher.screenshot(path=str(artifacts_dir / "dashboard-cohort.png"), full_page=True)

    teacher.locator("#mastery-heatmap tbody th a").click()
    teacher.wait_for_selector('[data-figure="cards-studied"]')
    assert teacher.inner_text('[data-figure="cards-studied"]') == "4"
    teacher.wait_for_selector('canvas[data-drawn="true"]')
    with teacher.expect_download() as download_info:
        teacher.click("#at-risk-csv")
    rows = list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert rows[0][:4] == ["card", "tags", "mastery", "overdue"]
    assert _fits_the_width(teacher)
    teacher.screenshot(path=str(artifacts_dir / "dashboard-learner.png"), full_page=True)

    learner.goto(f"{live_server.url}/dashboards/progress/")
    learner.wait_for_function("document.querySelectorAll('canvas[data-drawn=\"true\"]').length === 4")
    assert learner.locator("canvas[data-chart]").count() == 4
    assert learner.locator("#study-calendar span.c1").count() == 1  # today: four answers
    assert "Streak: 1 day." in learner.inner_text("#streak")
    assert _fits_the_width(learner)
    learner.screenshot(path=str(artifacts_dir / "dashboard-progress.png"), full_page=True)
