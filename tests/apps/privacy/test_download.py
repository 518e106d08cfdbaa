"""Download my data: only the signed-in owner, after entering the password again, gets a zip of every row about them,
in the documented files and columns, and nobody else's."""

import csv
import io
import sqlite3
import zipfile

import pytest
from django.urls import reverse

from apps.accounts.models import ApiToken
from apps.privacy.download import README_NAME
from apps.privacy.download_tables import DOWNLOAD_TABLES
from apps.research.pseudonyms import learner_pseudonymiser
from apps.study.models import CardState, StudyLog

from .conftest import download, reauthenticate, signed_in

pytestmark = pytest.mark.django_db


def rows_of(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


@pytest.fixture
def owners_zip(studied, password) -> zipfile.ZipFile:
    client = signed_in("owner", password)
    reauthenticate(client, password)
    return download(client)


def test_the_zip_holds_a_readme_and_every_documented_file_with_its_columns(owners_zip):
    names = set(owners_zip.namelist())
    assert {README_NAME} | {table.file_name for table in DOWNLOAD_TABLES} <= names
    readme = owners_zip.read(README_NAME).decode()
    for table in DOWNLOAD_TABLES:
        header = next(csv.reader(io.StringIO(owners_zip.read(table.file_name).decode())))
        assert header == [column.name for column in table.columns], table.file_name
        assert f"{table.file_name}: {table.about}" in readme
        assert all(f"  {column.name}: {column.about}" in readme for column in table.columns)


def test_every_answer_is_there_with_its_columns_and_its_undo(owners_zip, studied):
    logs = rows_of(owners_zip, "study_logs.csv")
    stored = StudyLog.objects.filter(learner=studied).select_related("card", "shown", "undo")
    assert len(logs) == stored.count() == 8
    by_uuid = {row["log_uuid"]: row for row in logs}
    for log in stored:
        row = by_uuid[str(log.log_uuid)]
        assert row["card"] == str(log.card.uuid) and row["shown"] == str(log.shown.uuid)
        assert row["grade"] == str(log.grade) and row["outcome"] == ("true" if log.outcome else "false")
        assert row["answered_at"] == log.answered_at.isoformat() and row["response_ms"] == "900"
        assert row["undone_at"] == (log.undo.undone_at.isoformat() if hasattr(log, "undo") else "")
    assert sum(1 for row in logs if row["undone_at"]) == 1
    assert len(rows_of(owners_zip, "card_states.csv")) == CardState.objects.filter(learner=studied).count()
    card_uuids = {row["uuid"] for row in rows_of(owners_zip, "cards.csv")}
    assert {row["card"] for row in logs} <= card_uuids  # the public deck's studied cards are there too, with their text
    assert len(card_uuids) == 12 + 3


def test_settings_cohorts_consent_and_account(owners_zip, studied, cohort):
    assert rows_of(owners_zip, "settings.csv")[0]["cards_per_session"] == "7"
    assert rows_of(owners_zip, "cohorts.csv") == [{"cohort": str(cohort.uuid), "name": "Evening Spanish", "instructor": "instructor"}]
    consent = rows_of(owners_zip, "research_consent.csv")
    assert len(consent) == 1 and consent[0]["ended_at"] == ""
    account = rows_of(owners_zip, "account.csv")[0]
    assert account["username"] == "owner" and account["roles"] == "learner" and account["is_active"] == "true"
    assert account["research_pseudonym"] == learner_pseudonymiser()(studied.pk)
    sign_ins = rows_of(owners_zip, "sign_ins.csv")
    assert len(sign_ins) == 1 and sign_ins[0]["ip_address"] == "127.0.0.1"


def test_secrets_never_leave(owners_zip, studied, password):
    token = ApiToken.objects.get(user=studied)
    assert rows_of(owners_zip, "api_tokens.csv") == [
        {"uuid": str(token.uuid), "created_at": token.created_at.isoformat(), "last_used_at": "", "expires_at": token.expires_at.isoformat()}
    ]
    everything = b"".join(owners_zip.read(name) for name in owners_zip.namelist())
    assert token.key_digest.encode() not in everything
    assert studied.password.encode() not in everything and password.encode() not in everything


def test_each_own_deck_comes_as_csv_and_as_an_anki_package_with_the_history(owners_zip, private_deck, tmp_path):
    stem = f"decks/owners-private-deck-{private_deck.uuid.hex[:8]}"
    cards = list(csv.DictReader(io.StringIO(owners_zip.read(f"{stem}.csv").decode())))
    assert len(cards) == 12 and cards[0]["Front"] == "Owner's private deck question 0" and cards[0]["note_type"] == "Basic"
    package = zipfile.ZipFile(io.BytesIO(owners_zip.read(f"{stem}.apkg")))
    (tmp_path / "collection.anki2").write_bytes(package.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "collection.anki2") as collection:
        assert collection.execute("SELECT count(*) FROM cards").fetchone() == (12,)
        assert collection.execute("SELECT count(*) FROM revlog").fetchone() == (4,)  # five answers, one undone
    assert "map.png" in package.read("media").decode()
    assert not any(name.startswith("decks/instructor") for name in owners_zip.namelist())


def test_a_stranger_downloads_only_their_own_data(studied, other_learner, password, private_deck):
    client = signed_in("other-learner", password)
    reauthenticate(client, password)
    archive = download(client)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", errors="replace")
    assert rows_of(archive, "study_logs.csv") == [] and rows_of(archive, "cards.csv") == []
    assert "owner" not in everything.replace("owner:", "") and private_deck.title not in everything
    assert str(private_deck.uuid) not in everything


def test_the_password_is_asked_again_before_the_download(studied, password):
    client = signed_in("owner", password)
    for name in ("privacy:download_page", "privacy:download"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate")), name
    assert client.post(reverse("account_reauthenticate"), {"password": "wrong"}).status_code == 200
    assert client.get(reverse("privacy:download")).status_code == 302
    reauthenticate(client, password)
    assert client.get(reverse("privacy:download_page")).status_code == 200
    assert client.get(reverse("privacy:download"))["Content-Disposition"].startswith('attachment; filename="mnemo-data-owner-')


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client, studied):
    for name in ("privacy:overview", "privacy:download_page", "privacy:download", "privacy:delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
