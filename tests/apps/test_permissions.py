"""Three personas over every study, deck-editing and API URL: strangers get 404 and never see others' logs.

The owner (a learner) has a private deck, a study session and answers. Another
learner and an instructor who does not own the deck are strangers to all of it.
"""

import html
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create
from apps.cards.models import DeckMedia
from apps.deck_io.services import deck_import_create
from apps.study.models import StudyLog
from apps.study.presets import preset_default_for
from apps.study.services import shown_card_choose_next, study_log_record, study_session_start

# URLs that address no object of the owner; each is checked for leaks below.
UNSCOPED_URL_NAMES = {
    "cards:deck_list", "cards:deck_create", "deck_io:deck_import_upload", "deck_io:collection_export", "study:history", "study:presets",
    "accounts:settings",
    "api:token_create", "api:deck_list", "api:answer_create", "api:api-root", "api:openapi-json", "api:openapi-view",
}


@pytest.fixture
def owners_things(owner, private_deck, settings, tmp_path):
    """The owner's deck, a card, a session with one answer, a media file and an upload; as URL kwargs."""
    settings.MEDIA_ROOT = tmp_path
    session = study_session_start(learner=owner, deck=private_deck)
    shown = shown_card_choose_next(learner=owner, deck=private_deck, session=session)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=800, shown_uuid=shown.uuid)
    shown_card_choose_next(learner=owner, deck=private_deck, session=session)
    api_token_create(user=owner)
    token_uuid = ApiToken.objects.get(user=owner).uuid
    media = DeckMedia(deck=private_deck, name="map.png", size=3)
    media.file.save("map.png", ContentFile(b"png"))
    upload = deck_import_create(owner=owner, upload=SimpleUploadedFile("cards.csv", b"front,back\nq,a\n"))
    return {
        "deck_uuid": private_deck.uuid, "card_uuid": shown.card.uuid, "session_uuid": session.uuid,
        "token_uuid": token_uuid, "import_uuid": upload.uuid, "note_uuid": shown.card.note.uuid,
        "preset_uuid": preset_default_for(owner).uuid,
    }


def _web_requests(things):
    deck, card, session = ({"deck_uuid": things["deck_uuid"]}, {"card_uuid": things["card_uuid"]}, {"session_uuid": things["session_uuid"]})
    upload, note = {"import_uuid": things["import_uuid"]}, {"note_uuid": things["note_uuid"]}
    return [
        ("get", "cards:deck_detail", deck),
        ("get", "cards:deck_edit", deck),
        ("post", "cards:deck_edit", deck),
        ("get", "cards:deck_delete", deck),
        ("post", "cards:deck_delete", deck),
        ("get", "cards:card_create", deck),
        ("post", "cards:card_create", deck),
        ("get", "cards:card_edit", card),
        ("post", "cards:card_edit", card),
        ("get", "cards:card_delete", card),
        ("post", "cards:card_delete", card),
        ("get", "cards:note_add", deck),
        ("post", "cards:note_add", deck),
        ("get", "cards:note_edit", note),
        ("post", "cards:note_edit", note),
        ("get", "cards:note_delete", note),
        ("post", "cards:note_delete", note),
        ("post", "study:session_start", deck),
        ("get", "study:session", session),
        ("post", "study:answer", session),
        ("post", "study:undo", session),
        ("post", "study:finish", session),
        ("post", "study:mark", session),
        ("post", "study:deck_preset", deck),
        ("post", "study:study_more", deck),
        ("get", "study:preset_edit", {"preset_uuid": things["preset_uuid"]}),
        ("post", "study:preset_edit", {"preset_uuid": things["preset_uuid"]}),
        ("get", "study:session_summary", session),
        ("post", "accounts:token_revoke", {"token_uuid": things["token_uuid"]}),
        ("get", "deck_io:deck_export", deck),
        ("get", "cards:deck_media", {**deck, "name": "map.png"}),
        ("get", "deck_io:deck_import_detail", upload),
        ("get", "deck_io:deck_import_progress", upload),
        ("post", "deck_io:deck_import_confirm", upload),
    ]


def _object_scoped_url_names() -> set[str]:
    names = set()
    for namespace in ("cards", "deck_io", "study", "api", "accounts"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    return names - UNSCOPED_URL_NAMES


def test_every_object_url_is_covered_here(owners_things):
    covered = {name for _, name, _ in _web_requests(owners_things)} | {"api:next_card"}
    assert _object_scoped_url_names() == covered


@pytest.mark.parametrize("stranger_name", ["other_learner", "instructor"])
def test_strangers_get_404_on_every_web_url_and_change_nothing(request, owners_things, web_client_for, stranger_name):
    stranger = web_client_for(request.getfixturevalue(stranger_name))
    logs_before = StudyLog.objects.count()
    for method, name, kwargs in _web_requests(owners_things):
        posted = {"title": "x", "front": "x", "back": "y", "grade": "3", "field_0": "x", "field_1": "y", "confirm_removal": "1"}
        response = getattr(stranger, method)(reverse(name, kwargs=kwargs), posted)
        assert response.status_code == 404, (method, name)
    assert StudyLog.objects.count() == logs_before
    assert StudyLog.objects.filter(undo__isnull=False).count() == 0
    assert ApiToken.objects.filter(uuid=owners_things["token_uuid"]).exists()


def test_the_owner_reaches_every_web_url(owner, owners_things, web_client_for):
    client = web_client_for(owner)
    for method, name, kwargs in _web_requests(owners_things):
        if method == "get":
            assert client.get(reverse(name, kwargs=kwargs)).status_code in {200, 302}, name


@pytest.mark.parametrize("stranger_name", ["other_learner", "instructor"])
def test_strangers_get_404_on_every_api_url(request, owners_things, api_client_for, post_json, stranger_name):
    stranger = api_client_for(request.getfixturevalue(stranger_name))
    assert stranger.get(reverse("api:next_card", kwargs={"deck_uuid": owners_things["deck_uuid"]})).status_code == 404
    answer = {"log_uuid": str(uuid.uuid4()), "card": str(owners_things["card_uuid"]), "grade": 3, "response_ms": 100}
    assert post_json(stranger, reverse("api:answer_create"), answer).status_code == 404
    assert owners_things["deck_uuid"].hex not in stranger.get(reverse("api:deck_list")).content.decode().replace("-", "")


@pytest.mark.parametrize("stranger_name", ["other_learner", "instructor"])
def test_strangers_never_see_the_owners_decks_or_logs(request, owners_things, private_deck, web_client_for, stranger_name):
    stranger = web_client_for(request.getfixturevalue(stranger_name))
    deck_list = stranger.get(reverse("cards:deck_list")).content.decode()
    history = stranger.get(reverse("study:history")).content.decode()
    presets = html.unescape(stranger.get(reverse("study:presets")).content.decode())
    assert private_deck.title not in deck_list and private_deck.title not in presets
    assert "question" not in history and "No answers yet." in history


def test_anonymous_visitors_are_sent_to_sign_in(owners_things, client):
    for method, name, kwargs in _web_requests(owners_things):
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name


@pytest.fixture
def researchers_export(make_user):
    """An export of a researcher, with a file name, so that every research URL can be addressed."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.accounts import roles
    from apps.research.models import ResearchExport

    researcher = make_user("researcher", roles.RESEARCHER)
    return ResearchExport.objects.create(requested_by=researcher, format="csv", expires_at=timezone.now() + timedelta(hours=1))


def _research_urls(export) -> list[str]:
    exported = {"export_uuid": export.uuid}
    urls = {
        "research:export_list": reverse("research:export_list"),
        "research:export_detail": reverse("research:export_detail", kwargs=exported),
        "research:export_manifest": reverse("research:export_manifest", kwargs=exported),
        "research:export_file": reverse("research:export_file", kwargs={**exported, "name": "study_logs.csv"}),
    }
    resolver = get_resolver().namespace_dict["research"][1]
    assert {f"research:{name}" for name in resolver.reverse_dict if isinstance(name, str)} == set(urls)
    return list(urls.values())


@pytest.mark.parametrize("persona", ["owner", "instructor", "staff"])
def test_everyone_without_the_researcher_role_gets_404_on_every_research_url(request, make_user, researchers_export, web_client_for, persona):
    if persona == "staff":
        user = make_user("staff-member")
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    else:
        user = request.getfixturevalue(persona)
    client = web_client_for(user)
    for url in _research_urls(researchers_export):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"format": "csv"}).status_code == 404, url
    assert researchers_export.__class__.objects.count() == 1
@pytest.mark.parametrize("stranger_name", ["other_learner", "instructor"])
def test_progress_pages_show_only_ones_own_study(request, owner, owners_things, web_client_for, stranger_name):
    """The dashboards' cohort URLs have their persona tests in tests/apps/dashboards/test_dashboard_access.py."""
    study_days = reverse("dashboards:progress_csv", args=["study_days"])
    stranger = web_client_for(request.getfixturevalue(stranger_name))
    assert stranger.get(study_days).content.decode().split() == ["day,answers"]
    assert len(web_client_for(owner).get(study_days).content.decode().split()) == 2


# The account pages (django-allauth, apps.accounts.sign_in_urls): those for people not
# signed in yet, and those about one's own account, which send strangers to sign in.
ACCOUNT_PAGES_FOR_VISITORS = {
    "login": {}, "logout": {}, "account_login": {}, "account_logout": {}, "account_signup": {}, "account_inactive": {},
    "account_email_verification_sent": {}, "account_confirm_login_code": {}, "account_confirm_email": {"key": "no-such-key"},
    "account_reset_password": {}, "account_reset_password_done": {}, "account_reset_password_from_key_done": {},
    "account_reset_password_from_key": {"uidb36": "zz", "key": "no-such-key"}, "mfa_authenticate": {},
}
ACCOUNT_PAGES_OF_ONES_OWN = {
    "account_email", "account_change_password", "account_set_password", "account_reauthenticate", "mfa_index",
    "mfa_reauthenticate", "mfa_activate_totp", "mfa_deactivate_totp", "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
}


def _account_page_names(patterns) -> set[str]:
    from django.urls import URLResolver

    names = set()
    for pattern in patterns:
        names |= _account_page_names(pattern.url_patterns) if isinstance(pattern, URLResolver) else {pattern.name}
    return names


def test_every_account_page_is_for_visitors_or_for_ones_own_account():
    from apps.accounts import sign_in_urls

    assert _account_page_names(sign_in_urls.urlpatterns) == set(ACCOUNT_PAGES_FOR_VISITORS) | ACCOUNT_PAGES_OF_ONES_OWN


def test_account_pages_of_ones_own_send_anonymous_visitors_to_sign_in(client, db):
    for name in sorted(ACCOUNT_PAGES_OF_ONES_OWN):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(name))
            assert response.status_code == 302 and response.url.startswith(reverse("login")), (method, name)


def test_account_pages_for_visitors_answer_without_an_error(client, db):
    for name, kwargs in ACCOUNT_PAGES_FOR_VISITORS.items():
        assert client.get(reverse(name, kwargs=kwargs)).status_code in {200, 302, 404}, name


# The "Your data" pages (apps.privacy) name no object: each acts on the signed-in person's own account, so a
# stranger can only ever reach their own data (tests/apps/privacy/test_download.py downloads as one).
PRIVACY_PAGES = {"privacy:overview", "privacy:download_page", "privacy:download", "privacy:delete", "privacy:deletion_pending"}


def test_every_privacy_page_is_listed_here():
    resolver = get_resolver().namespace_dict["privacy"][1]
    assert {f"privacy:{name}" for name in resolver.reverse_dict if isinstance(name, str)} == PRIVACY_PAGES


def test_privacy_pages_send_anonymous_visitors_to_sign_in(client, db):
    for name in sorted(PRIVACY_PAGES):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(name))
            assert response.status_code == 302 and response.url.startswith(reverse("login")), (method, name)


def test_downloading_and_deleting_ask_a_signed_in_person_for_their_password_first(owners_things, other_learner, web_client_for):
    stranger = web_client_for(other_learner)
    for name in ("privacy:download_page", "privacy:download", "privacy:delete"):
        response = stranger.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate")), name
    assert stranger.post(reverse("privacy:delete"), {"confirmation": "owner"}).status_code == 302
    assert other_learner.__class__.objects.filter(is_active=False).count() == 0
