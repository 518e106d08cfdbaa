"""A learner signs in, studies 10 cards with the keyboard only, undoes one answer and finishes the session."""

import pytest

from apps.accounts.services import learner_settings_get_or_create
from apps.study.models import StudyLog, StudySession

pytestmark = pytest.mark.browser

GRADES = [3, 1, 4, 3, 2, 3, 3, 1, 4, 3]
UNDO_AFTER = 5  # answers given before pressing u


def _card_phase(page, phase: str, *, not_shown: str | None = None) -> str:
    selector = f'#study-card[data-phase="{phase}"]' + (f':not([data-shown="{not_shown}"])' if not_shown else "")
    return page.wait_for_selector(selector).get_attribute("data-shown")


def test_keyboard_study_session_is_logged(phone_page, owner, sign_in, private_deck, artifacts_dir):
    learner_settings = learner_settings_get_or_create(user=owner)
    learner_settings.cards_per_session = 10
    learner_settings.save()
    page = phone_page

    sign_in(page, "owner")
    page.locator("li", has_text=private_deck.title).get_by_role("button", name="Study").click()

    shown = _card_phase(page, "front")
    page.wait_for_selector('html[data-shortcuts="on"]', state="attached")
    undone_grade = None
    for number, grade in enumerate(GRADES, start=1):
        page.keyboard.press("Space")
        _card_phase(page, "back")
        page.keyboard.press(str(grade))
        if number == len(GRADES):
            break
        shown = _card_phase(page, "front", not_shown=shown)
        if number == UNDO_AFTER:
            undone_grade = grade
            page.keyboard.press("u")
            shown = _card_phase(page, "front", not_shown=shown)
            assert page.locator(".progress-label").inner_text() == f"{UNDO_AFTER - 1} of 10 cards"
            page.keyboard.press("Space")
            _card_phase(page, "back")
            page.keyboard.press(str(grade))
            shown = _card_phase(page, "front", not_shown=shown)

    page.wait_for_selector("#session-summary")
    assert page.locator('[data-figure="cards-studied"]').inner_text() == "10"
    assert page.locator('[data-figure="answers"]').inner_text() == "10"
    page.screenshot(path=str(artifacts_dir / "study-session-summary.png"), full_page=True)

    session = StudySession.objects.get(learner=owner)
    assert session.ended_at is not None
    logs = list(StudyLog.objects.filter(session=session).order_by("answered_at", "id").select_related("undo"))
    assert len(logs) == len(GRADES) + 1
    undone = [log for log in logs if hasattr(log, "undo")]
    assert len(undone) == 1 and undone[0].grade == undone_grade
    live = [log for log in logs if not hasattr(log, "undo")]
    expected_live = GRADES[:UNDO_AFTER - 1] + [undone_grade] + GRADES[UNDO_AFTER:]
    assert [log.grade for log in live] == expected_live
    assert len({log.card_id for log in live}) == 10
    assert live[UNDO_AFTER - 1].card_id == undone[0].card_id  # the undone card came back and was answered again
    assert all(log.response_ms > 0 and log.policy == "fsrs" for log in logs)
