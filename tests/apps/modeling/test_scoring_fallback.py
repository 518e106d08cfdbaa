"""A served version that fails to score never costs a learner a card, and never hides its failure.

The version is a real trained HLR whose stored artifact was replaced by one that
loads but cannot score (a weight vector of the wrong length), or by bytes that do not
match its recorded checksum. Learners then get the FSRS due-order card; the showing says it
fell back and why; the error is logged with its traceback; the admin counts the
fallbacks of each version. Calling the scoring path directly still raises.
"""

import re
import traceback
import uuid

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import learner_settings_get_or_create
from apps.modeling.models import ModelVersion
from apps.modeling.serving import active_model_for_deck
from apps.study.candidate_predictions import candidates_with_predictions
from apps.study.models import ShownCard, StudyLog
from apps.study.presets import deck_preset
from apps.study.selectors import study_candidates
from tests.apps.modeling.artifact_tampering import tampered, unscorable

pytestmark = pytest.mark.django_db


@pytest.fixture
def unscorable_version(seeded_deck, train_hlr) -> ModelVersion:
    """The active version, its artifact replaced by an HLR that loads, then fails to score."""
    version = train_hlr()
    assert version.is_active
    return tampered(version, unscorable)


def test_a_new_learner_gets_the_fsrs_card_when_the_model_fails_to_score(
    unscorable_version, seeded_deck, other_learner, api_client_for, scoring_failures_expected
):
    response = api_client_for(other_learner).get(reverse("api:next_card", kwargs={"deck_uuid": seeded_deck.uuid}))

    assert response.status_code == 200
    body = response.json()
    first_card = seeded_deck.cards.order_by("id").first()
    assert body["card"]["id"] == str(first_card.uuid)  # FSRS due order: no review due, the deck's first new card
    assert body["policy"] == "fsrs" and body["predicted_recall"] is None
    shown = ShownCard.objects.get(uuid=body["shown_id"])
    assert shown.model_version == unscorable_version.label
    assert shown.fallback_reason.startswith("IndexError")
    [record] = scoring_failures_expected
    assert record.levelname == "ERROR" and unscorable_version.label in record.getMessage()
    assert record.exc_info is not None and "half_life_recall" in "".join(traceback.format_exception(*record.exc_info))


def test_the_study_page_and_the_answers_carry_on_through_fallbacks(
    unscorable_version, seeded_deck, other_learner, web_client_for, scoring_failures_expected
):
    learner_settings = learner_settings_get_or_create(user=other_learner)
    learner_settings.cards_per_session = 3
    learner_settings.save()
    client = web_client_for(other_learner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": seeded_deck.uuid})).url
    for _ in range(3):
        page = client.get(session_url)
        assert page.status_code == 200
        shown = re.search(r'data-shown="([0-9a-f-]+)"', page.content.decode()).group(1)
        client.post(f"{session_url}answer/", {"shown": shown, "log_uuid": str(uuid.uuid4()), "grade": 3, "response_ms": 800})

    logs = StudyLog.objects.filter(learner=other_learner)
    assert logs.count() == 3
    assert {log.shown.fallback_reason.split(":")[0] for log in logs} == {"IndexError"}
    assert len(scoring_failures_expected) == 3


def test_an_artifact_that_fails_its_checksum_falls_back_too(
    seeded_deck, other_learner, api_client_for, train_hlr, scoring_failures_expected
):
    version = train_hlr()
    version.artifact.save(f"{version.label}-tampered.pt", ContentFile(b"not the trained model"), save=False)
    version.checksum = "0" * 64  # a checksum no version loaded before has: the server reads this file
    version.save(update_fields=["artifact", "checksum"])

    response = api_client_for(other_learner).get(reverse("api:next_card", kwargs={"deck_uuid": seeded_deck.uuid}))

    assert response.status_code == 200 and response.json()["card"] is not None
    shown = ShownCard.objects.get(uuid=response.json()["shown_id"])
    assert "ArtifactCorrupted" in shown.fallback_reason
    assert scoring_failures_expected


def test_the_admin_counts_each_versions_fallbacks(
    unscorable_version, seeded_deck, other_learner, instructor, api_client_for, admin_client, scoring_failures_expected
):
    for learner in (other_learner, instructor):
        assert api_client_for(learner).get(reverse("api:next_card", kwargs={"deck_uuid": seeded_deck.uuid})).status_code == 200

    changelist = admin_client.get(reverse("admin:modeling_modelversion_changelist")).content.decode()

    row = re.search(rf"<tr>.*?{re.escape(unscorable_version.label)}.*?</tr>", changelist, re.S).group(0)
    assert '<td class="field-fallback_count">2 of 2</td>' in row


def test_the_scoring_path_itself_still_raises(unscorable_version, seeded_deck, other_learner):
    """The fallback is for learners: called directly, scoring the broken version fails as it did."""
    served = active_model_for_deck(deck=seeded_deck, kind=None, learner=other_learner)
    now = timezone.now()
    candidates = study_candidates(learner=other_learner, deck=seeded_deck, preset=deck_preset(seeded_deck), now=now)
    with pytest.raises(IndexError):
        candidates_with_predictions(candidates, learner=other_learner, deck=seeded_deck, served=served, now=now)
