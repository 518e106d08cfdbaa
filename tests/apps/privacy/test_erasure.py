"""The erasure task at the end of the grace period: every row about the person goes (or, for a deck others studied, is hidden
and handed over), later research exports no longer hold them, cohorts keep "a former member", and running it again does nothing."""

import csv
from dataclasses import replace
from pathlib import Path
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from axes.models import AccessLog
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken, CohortDeparture, LearnerSettings
from apps.accounts.services import cohort_create
from apps.cards.models import Card, Deck, DeckMedia, Note, NoteType
from apps.cards.note_services import note_create, note_type_create
from apps.cards.services import card_create, deck_create, deck_path_ensure
from knowledge_tracing.anki.note_types import BASIC_AND_REVERSED
from apps.privacy.erasure import FORMER_MEMBER_USERNAME
from apps.privacy.models import AccountDeletion
from apps.privacy.services import account_deletion_cancel, account_deletion_request
from apps.privacy.tasks import erase_deleted_accounts
from apps.research.models import ResearchConsentPeriod
from apps.research.pseudonyms import learner_pseudonymiser
from apps.research.selectors import ExportFilters
from apps.research.services import research_consent_give, study_logs_export
from apps.study.models import CardState, ShownCard, StudyLog, StudyLogUndo, StudySession

from tests.apps.accounts.conftest import sign_in

from .conftest import signed_in, study

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_deck(studied, other_learner):
    """A public deck the owner made that another learner studied too."""
    deck = deck_create(owner=studied, title="Owner's shared verbs", visibility=Deck.Visibility.PUBLIC)
    for index in range(4):
        card_create(deck=deck, front=f"verb {index}", back=f"Verb {index}", tags=[])
    study(other_learner, deck, 2)
    return deck


@pytest.fixture
def due_deletion(studied, shared_deck, password):
    """The owner (signed in once, with an address and an authenticator) asked 15 days ago for their account's deletion."""
    signed_in("owner", password)
    EmailAddress.objects.create(user=studied, email="owner@example.org", verified=True, primary=True)
    TOTP.activate(studied, generate_totp_secret())
    return account_deletion_request(user=studied, now=timezone.now() - timedelta(days=15))


def exported_learners(tmp_path, name: str) -> set[str]:
    study_logs_export(export_format="csv", output_dir=tmp_path / name, filters=ExportFilters())
    with (tmp_path / name / "study_logs.csv").open(encoding="utf-8") as file:
        return {row["learner"] for row in csv.DictReader(file)}


def test_the_erasure_removes_every_row_about_the_person(
    due_deletion, studied, private_deck, shared_deck, other_learner, django_capture_on_commit_callbacks
):
    user_id = studied.pk
    media_path = DeckMedia.objects.get(deck=private_deck).file.path
    others_logs = list(StudyLog.objects.filter(learner=other_learner).values_list("pk", flat=True))
    assert Session.objects.exists() and AccessLog.objects.filter(username="owner").exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert erase_deleted_accounts() == {"erased": 1, "failed": 0}

    assert not get_user_model().objects.filter(pk=user_id).exists()
    for model in (StudyLog, ShownCard, StudySession, CardState):
        assert not model.objects.filter(learner_id=user_id).exists(), model
    assert not StudyLogUndo.objects.exists()
    for model in (ApiToken, LearnerSettings, EmailAddress, Authenticator):
        assert not model.objects.filter(user_id=user_id).exists(), model
    assert not ResearchConsentPeriod.objects.filter(learner_id=user_id).exists()
    assert not AccessLog.objects.filter(username="owner").exists()
    assert not [session for session in Session.objects.all() if session.get_decoded().get("_auth_user_id") == str(user_id)]
    # their private deck, its cards and its media file are gone; the deck another learner studied is hidden and handed over
    assert not Deck.all_objects.filter(pk=private_deck.pk).exists() and not Card.all_objects.filter(deck_id=private_deck.pk).exists()
    assert not Path(media_path).exists()
    shared = Deck.all_objects.select_related("owner").get(pk=shared_deck.pk)
    assert shared.deleted_at is not None and shared.owner.username == FORMER_MEMBER_USERNAME and not shared.owner.is_active
    assert list(StudyLog.objects.filter(learner=other_learner).values_list("pk", flat=True)) == others_logs
    deletion = AccountDeletion.objects.get()
    assert deletion.status == AccountDeletion.Status.ERASED and deletion.user is None
    assert deletion.erased_rows["study_logs"] == 8 and deletion.erased_rows["decks_removed"] == 1
    assert deletion.erased_rows["decks_handed_over"] == 1


def test_a_deck_tree_and_own_note_types_go_whole_or_are_handed_over_with_the_studied_cards(
    due_deletion, studied, other_learner
):
    verbs = deck_path_ensure(owner=studied, title="Languages::Spanish::Verbs")
    pairs = note_type_create(owner=studied, spec=replace(BASIC_AND_REVERSED, name="My pairs"))
    note_create(owner=studied, deck=verbs, note_type=pairs, field_values=["comer", "to eat"], tags=[])
    drinks = deck_create(owner=studied, title="Owner's drinks", visibility=Deck.Visibility.PUBLIC)
    handed_note = note_create(owner=studied, deck=drinks, note_type=pairs, field_values=["beber", "to drink"], tags=[])
    study(other_learner, drinks, 1)  # a card of the note is now the other learner's history (its sibling is buried)

    assert erase_deleted_accounts() == {"erased": 1, "failed": 0}

    assert not Deck.all_objects.filter(title__startswith="Languages").exists()
    assert list(Note.all_objects.filter(note_type=pairs).values_list("pk", flat=True)) == [handed_note.pk]
    handed = Note.all_objects.select_related("owner").get(pk=handed_note.pk)
    assert handed.owner.username == FORMER_MEMBER_USERNAME and handed.deleted_at is not None
    assert NoteType.objects.get(pk=pairs.pk).owner.username == FORMER_MEMBER_USERNAME
    deletion = AccountDeletion.objects.get()
    assert deletion.erased_rows["decks_removed"] == 4 and deletion.erased_rows["notes_handed_over"] >= 1


def test_later_research_exports_hold_none_of_their_rows(due_deletion, studied, other_learner, tmp_path):
    research_consent_give(learner=other_learner, now=timezone.now() - timedelta(days=30))
    pseudonym = learner_pseudonymiser()(studied.pk)
    erase_deleted_accounts()
    learners = exported_learners(tmp_path, "after")
    assert learners == {learner_pseudonymiser()(other_learner.pk)} and pseudonym not in learners


def test_the_cohort_keeps_a_former_member_without_their_name(due_deletion, cohort, instructor, web_client_for):
    erase_deleted_accounts()
    departure = CohortDeparture.objects.get(cohort=cohort)
    assert departure.learner is None and departure.reason == CohortDeparture.Reason.ACCOUNT_DELETED
    page = web_client_for(instructor).get(reverse("cohorts:cohort_detail", args=[cohort.uuid])).content.decode()
    assert f"A former member · deleted their account · left on {departure.left_at:%Y-%m-%d}" in page
    assert "owner" not in page.split('id="cohort-departures"')[1].split("</ul>")[0]


def test_the_task_waits_for_the_grace_period_and_erases_once(studied, password):
    deletion = account_deletion_request(user=studied)
    assert erase_deleted_accounts() == {"erased": 0, "failed": 0}
    assert get_user_model().objects.filter(pk=studied.pk).exists()
    AccountDeletion.objects.filter(pk=deletion.pk).update(erase_after=timezone.now() - timedelta(minutes=1))
    assert erase_deleted_accounts() == {"erased": 1, "failed": 0}
    assert erase_deleted_accounts() == {"erased": 0, "failed": 0}
    assert AccountDeletion.objects.get().attempts == 1
    response = sign_in(Client(), "owner", password)  # an erased account signs in like an unknown one
    assert response.status_code == 200 and "username and/or password" in response.content.decode()


def test_a_cancelled_deletion_is_never_erased(studied):
    deletion = account_deletion_request(user=studied, now=timezone.now() - timedelta(days=15))
    account_deletion_cancel(deletion=deletion)
    assert erase_deleted_accounts() == {"erased": 0, "failed": 0}
    assert StudyLog.objects.filter(learner=studied).count() == 8


def test_a_failed_erasure_changes_nothing_and_is_tried_again(due_deletion, studied, instructor):
    cohort = cohort_create(owner=instructor, name="Handed over")
    cohort.owner = studied  # a cohort that came to them after they asked: the account cannot go while it runs one
    cohort.save(update_fields=["owner"])
    assert erase_deleted_accounts() == {"erased": 0, "failed": 1}
    deletion = AccountDeletion.objects.get()
    assert deletion.status == AccountDeletion.Status.PENDING and deletion.attempts == 1 and "protected" in deletion.last_error.lower()
    assert StudyLog.objects.filter(learner=studied).count() == 8 and Deck.all_objects.filter(owner=studied).count() == 2
    cohort.owner = instructor
    cohort.save(update_fields=["owner"])
    assert erase_deleted_accounts() == {"erased": 1, "failed": 0}


def test_administrators_see_pending_deletions_and_their_dates(due_deletion, studied, make_staff, web_client_for, other_learner):
    other = account_deletion_request(user=other_learner)
    admin = make_staff("site-admin", "privacy.view_accountdeletion")
    client = web_client_for(admin)
    page = client.get(reverse("admin:privacy_accountdeletion_changelist") + "?status__exact=pending").content.decode()
    assert "owner" in page and "other-learner" in page and f"{other.erase_after:%Y}" in page
    erase_deleted_accounts()
    page = client.get(reverse("admin:privacy_accountdeletion_changelist") + "?status__exact=erased").content.decode()
    assert "(erased)" in page and ">owner<" not in page
