"""A learner with a little of everything Mnemo keeps, studied through the services the study page uses, and helpers to
sign in, re-enter the password and read the download."""

import io
import uuid
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import LearnerSettings
from apps.accounts.services import api_token_create, cohort_add_learner, cohort_create
from apps.cards.cohort_decks import cohort_assign_deck
from apps.cards.models import DeckMedia
from apps.research.services import research_consent_give
from apps.study.services import shown_card_choose_next, study_log_record, study_log_undo_last, study_session_start
from tests.apps.accounts.conftest import sign_in


def study(learner, deck, answers: int, *, grade: int = 3):
    """Answer ``answers`` cards of the deck in one session, as the study page does."""
    session = study_session_start(learner=learner, deck=deck)
    for _ in range(answers):
        shown = shown_card_choose_next(learner=learner, deck=deck, session=session)
        study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=900, shown_uuid=shown.uuid)
    return session


@pytest.fixture
def cohort(instructor, public_deck):
    cohort = cohort_create(owner=instructor, name="Evening Spanish")
    cohort_assign_deck(cohort=cohort, deck=public_deck)
    return cohort


@pytest.fixture
def studied(owner, private_deck, public_deck, cohort, settings, tmp_path):
    """The owner studied their private deck (one answer undone) and the instructor's public deck, in the cohort, consenting to
    research, with an API token, changed settings and a media file in their deck."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cohort_add_learner(cohort=cohort, learner=owner)
    research_consent_give(learner=owner)
    session = study(owner, private_deck, 5)
    study_log_undo_last(session=session)
    study(owner, public_deck, 3, grade=1)
    api_token_create(user=owner)
    LearnerSettings.objects.update_or_create(user=owner, defaults={"cards_per_session": 7})
    media = DeckMedia(deck=private_deck, name="map.png", size=3)
    media.file.save("map.png", ContentFile(b"png"))
    return owner


def signed_in(username: str, password: str) -> Client:
    """A client signed in through the sign-in page (so that allauth records how)."""
    client = Client()
    response = sign_in(client, username, password)
    assert response.status_code == 302 and client.session.get("_auth_user_id"), response
    return client


def reauthenticate(client: Client, password: str) -> None:
    """Enter the password again, as the download and deletion pages ask first."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content.decode()[:500]


def download(client: Client) -> zipfile.ZipFile:
    response = client.get(reverse("privacy:download"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip", response
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
