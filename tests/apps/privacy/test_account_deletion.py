"""Delete my account: asked for with the password and the typed username, it switches the account off at once; signing in
during the grace period offers to keep it; then the erasure task removes every row about the person, as docs/privacy.md says."""

import csv
from datetime import timedelta

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken, CohortDeparture
from apps.accounts.services import api_token_create
from apps.dashboards.models import LearnerMastery
from apps.dashboards.services import cohort_snapshot_write
from apps.privacy.models import AccountDeletion
from apps.research.models import ResearchConsentPeriod
from apps.research.pseudonyms import learner_pseudonymiser
from apps.research.selectors import ExportFilters
from apps.research.services import study_logs_export
from apps.study.models import StudyLog
from tests.apps.accounts.conftest import sign_in, signed_in_user_id, totp_code

from .conftest import reauthenticate, signed_in

pytestmark = pytest.mark.django_db


def ask_for_deletion(client: Client, password: str, confirmation: str = "owner"):
    reauthenticate(client, password)
    return client.post(reverse("privacy:delete"), {"confirmation": confirmation})


def exported_learners(tmp_path, name: str) -> list[str]:
    study_logs_export(export_format="csv", output_dir=tmp_path / name, filters=ExportFilters())
    with (tmp_path / name / "study_logs.csv").open(encoding="utf-8") as file:
        return [row["learner"] for row in csv.DictReader(file)]


def test_deleting_asks_for_the_password_then_the_typed_username(studied, password):
    client = signed_in("owner", password)
    response = client.get(reverse("privacy:delete"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate"))
    response = ask_for_deletion(client, password, confirmation="Owner")
    assert response.status_code == 400 and "Type your username, owner, exactly" in response.content.decode()
    studied.refresh_from_db()
    assert studied.is_active and not AccountDeletion.objects.exists()

    response = client.post(reverse("privacy:delete"), {"confirmation": "owner"})
    deletion = AccountDeletion.objects.get(user=studied)
    assert response.status_code == 200 and f"erased on {deletion.erase_after:%Y-%m-%d}" in response.content.decode()
    assert deletion.erase_after - deletion.requested_at == timedelta(days=14)
    assert signed_in_user_id(client) is None


def test_asking_switches_the_account_off_everywhere_at_once(studied, password, cohort, instructor, web_client_for, tmp_path):
    other_device = signed_in("owner", password)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=studied)}")
    cohort_snapshot_write(cohort=cohort)
    assert LearnerMastery.objects.filter(learner=studied).exists()
    assert learner_pseudonymiser()(studied.pk) in exported_learners(tmp_path, "before")

    ask_for_deletion(signed_in("owner", password), password)

    studied.refresh_from_db()
    assert not studied.is_active
    response = other_device.get(reverse("cards:deck_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert api.get(reverse("api:deck_list")).status_code == 401 and not ApiToken.objects.filter(user=studied).exists()
    token = api.post(reverse("api:token_create"), {"username": "owner", "password": password}, content_type="application/json")
    assert token.status_code == 401
    assert not cohort.members.filter(pk=studied.pk).exists() and not LearnerMastery.objects.filter(learner=studied).exists()
    cohort_page = web_client_for(instructor).get(reverse("cohorts:cohort_detail", args=[cohort.uuid])).content.decode()
    assert f"owner · deleted their account · left on {timezone.now():%Y-%m-%d}" in cohort_page
    assert ResearchConsentPeriod.objects.get(learner=studied).ended_at is not None
    assert exported_learners(tmp_path, "during") == []
    assert StudyLog.objects.filter(learner=studied).count() == 8  # nothing is removed during the grace period


def test_people_who_run_cohorts_or_the_site_cannot_delete_themselves(instructor, cohort, make_staff, password):
    staff = make_staff("admin-person")
    for username, reason in (("instructor", "You run the cohort “Evening Spanish”"), ("admin-person", "Administrator accounts")):
        client = signed_in(username, password)
        reauthenticate(client, password)
        assert reason in client.get(reverse("privacy:delete")).content.decode()
        client.post(reverse("privacy:delete"), {"confirmation": username})
    assert not AccountDeletion.objects.exists()
    assert get_user_model().objects.get(pk=instructor.pk).is_active and get_user_model().objects.get(pk=staff.pk).is_active


def test_signing_in_during_the_grace_period_offers_to_keep_the_account(studied, password, cohort):
    ask_for_deletion(signed_in("owner", password), password)
    client = Client()
    response = sign_in(client, "owner", password)
    assert response.status_code == 302 and response.url == reverse("privacy:deletion_pending")
    assert signed_in_user_id(client) is None
    page = client.get(reverse("privacy:deletion_pending")).content.decode()
    assert "Keep my account" in page and f"{AccountDeletion.objects.get().erase_after:%Y-%m-%d}" in page
    assert client.get(reverse("cards:deck_list")).url.startswith(reverse("login"))

    response = client.post(reverse("privacy:deletion_pending"), {"choice": "keep"})
    assert response.status_code == 302 and signed_in_user_id(client) == str(studied.pk)
    assert client.get(reverse("cards:deck_list")).status_code == 200
    studied.refresh_from_db()
    assert studied.is_active and AccountDeletion.objects.get().status == AccountDeletion.Status.CANCELLED
    assert cohort.members.filter(pk=studied.pk).exists() and not CohortDeparture.objects.exists()
    periods = ResearchConsentPeriod.objects.filter(learner=studied).order_by("started_at")
    assert len(periods) == 2 and periods[1].ended_at is None  # consents again from now; the gap stays in the history


def test_leaving_it_to_be_deleted_keeps_the_deletion_and_a_wrong_password_learns_nothing(studied, password):
    ask_for_deletion(signed_in("owner", password), password)
    client = Client()
    wrong = sign_in(client, "owner", "not-the-password")
    unknown = sign_in(Client(), "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert "privacy" not in wrong.content.decode() and client.get(reverse("privacy:deletion_pending")).url == reverse("login")
    sign_in(client, "owner", password)
    response = client.post(reverse("privacy:deletion_pending"), {"choice": "leave"})
    assert response.status_code == 302 and signed_in_user_id(client) is None
    assert AccountDeletion.objects.get().status == AccountDeletion.Status.PENDING
    assert client.get(reverse("privacy:deletion_pending")).url == reverse("login")


def test_the_second_factor_is_still_asked_before_the_account_can_be_kept(studied, password, web_client_for):
    secret = generate_totp_secret()
    TOTP.activate(studied, secret)
    RecoveryCodes.activate(studied)
    ask_for_deletion(web_client_for(studied), password)

    client = Client()
    assert sign_in(client, "owner", password).url == reverse("mfa_authenticate")
    assert client.get(reverse("privacy:deletion_pending")).url == reverse("login")
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert client.get(reverse("privacy:deletion_pending")).url == reverse("login")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.url == reverse("privacy:deletion_pending")
