"""Erasing an account at the end of its grace period: every row about the person is removed, in one transaction.

What goes and what stays, and why, is written in docs/privacy.md ("What deleting your
account removes"); in short:

- their study history (logs, undo marks, showings, sessions, card states, card marks), experiment
  assignments, recall snapshots and instructors' mastery rows are removed;
- decks they own are removed with their cards and media, unless other people's rows
  still point at them (another learner studied a public deck, a model was trained on
  it): such a deck is hidden, as when an owner deletes a deck, and handed to the
  ``former member`` account, so that the others' history stays whole (a deck goes before
  the deck above it, so a tree goes whole or is handed over from the kept deck up);
- their notes and note types go with the last card made from them; those behind a
  handed-over deck's cards are handed over with it;
- their settings, API tokens, e-mail addresses, two-factor authenticators, research
  consent, deck imports and research exports (with their files), sign-in records,
  sessions and admin history about the account are removed, and then the account;
- the study-log columns cached for training (``apps.modeling.table_cache``) are deleted
  for every scope, so the next run reads the remaining logs afresh;
- cohorts keep "a former member left on <date>", and the ``AccountDeletion`` row keeps
  the counts of what was removed.

A failure anywhere rolls the whole erasure back; files leave the disk only after it commits.
"""

import shutil
from datetime import datetime
from importlib import import_module
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.cards.models import Card, Deck, DeckImport, Note, NoteType
from apps.dashboards.models import RecallSnapshot
from apps.experiments.models import ArmAssignment
from apps.modeling.models import CardEmbedding
from apps.modeling.table_cache import training_tables_forget
from apps.privacy.models import AccountDeletion
from apps.research.models import ResearchExport
from apps.research.services import export_directory
from apps.study.models import CardMark, CardState, ShownCard, StudyLog, StudySession

# The account that decks others still depend on are handed to. Its name has a space,
# which no sign-up or admin form accepts in a username, so no person can take it.
FORMER_MEMBER_USERNAME = "former member"
DELETE_CHUNK = 1000
# The session key under which a person who signed in during the grace period is remembered (apps.privacy.adapter).
DELETION_SIGN_IN_SESSION_KEY = "privacy_deletion_sign_in"


def account_erase(*, deletion_id: int, now: datetime | None = None) -> AccountDeletion | None:
    """Erase the account of a pending deletion whose grace period is over; None if there is none (erased, cancelled, not due)."""
    now = now or timezone.now()
    with transaction.atomic():
        deletion = (
            AccountDeletion.objects.select_for_update(of=("self",))
            .filter(pk=deletion_id, status=AccountDeletion.Status.PENDING, erase_after__lte=now)
            .select_related("user")
            .first()
        )
        if deletion is None:
            return None
        files: list[str] = []
        directories: list[Path] = []
        counts = _erase_rows(deletion.user, now=now, files=files, directories=directories)
        deletion.user, deletion.status, deletion.erased_at, deletion.erased_rows = None, AccountDeletion.Status.ERASED, now, counts
        deletion.attempts, deletion.last_error = deletion.attempts + 1, ""
        deletion.save(update_fields=["status", "erased_at", "erased_rows", "attempts", "last_error", "user"])
        transaction.on_commit(lambda: _remove_files(files, directories))
        transaction.on_commit(training_tables_forget)  # the cached training columns hold their study logs too
    return deletion


def _erase_rows(user, *, now: datetime, files: list[str], directories: list[Path]) -> dict[str, int]:
    counts = {
        "study_logs": _delete_in_chunks(StudyLog.objects.filter(learner=user), erase=lambda chunk: chunk.erase()),
        "shown_cards": _delete_in_chunks(ShownCard.objects.filter(learner=user)),
        "study_sessions": _delete_in_chunks(StudySession.objects.filter(learner=user)),
        "card_states": _delete_in_chunks(CardState.objects.filter(learner=user)),
        "card_marks": _delete_in_chunks(CardMark.objects.filter(learner=user)),
        "experiment_assignments": ArmAssignment.objects.filter(learner=user).delete()[0],
        "recall_snapshots": RecallSnapshot.objects.filter(learner=user).delete()[0],
    }
    counts["decks_removed"], counts["decks_handed_over"] = _decks_erase(user, now=now, files=files)
    counts["notes_removed"], counts["notes_handed_over"] = _notes_erase(user, now=now)
    files.extend(name for name in DeckImport.objects.filter(owner=user).values_list("upload", flat=True) if name)
    directories.extend(export_directory(export) for export in ResearchExport.objects.filter(requested_by=user).only("uuid"))
    counts["sign_in_records"] = sum(
        model.objects.filter(username=user.get_username()).delete()[0] for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    counts["sessions"] = sessions_of_user_delete(user.pk)
    user_type = ContentType.objects.get_for_model(user)
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).delete()
    counts["email_addresses"] = EmailAddress.objects.filter(user=user).count()
    counts["authenticators"] = Authenticator.objects.filter(user=user).count()
    user.delete()  # its settings, tokens, addresses, authenticators, consent, imports, exports and mastery rows go with it
    return counts


def _delete_in_chunks(queryset: QuerySet, *, erase=lambda chunk: chunk.delete()[0]) -> int:
    """Delete ``DELETE_CHUNK`` rows at a time, so that Django's deletion never holds a large account's rows in memory."""
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:DELETE_CHUNK]):
        deleted += erase(queryset.filter(pk__in=ids))
    return deleted


def _decks_erase(user, *, now: datetime, files: list[str]) -> tuple[int, int]:
    """Remove each deck the user owns, or hide it and hand it over where other rows still point at it; (removed, handed over)."""
    removed, handed_over = 0, 0
    for deck in sorted(Deck.all_objects.filter(owner=user), key=lambda deck: -deck.depth):  # a deck goes before the deck above it
        media = [name for name in deck.media.values_list("file", flat=True) if name]
        hashes = set(Card.all_objects.filter(deck=deck).values_list("content_hash", flat=True))
        try:
            with transaction.atomic():
                _delete_in_chunks(Card.all_objects.filter(deck=deck))
                deck.delete()
        except ProtectedError:
            Card.all_objects.filter(deck=deck, deleted_at__isnull=True).update(deleted_at=now)
            Deck.all_objects.filter(pk=deck.pk).update(owner=former_member(), deleted_at=Coalesce("deleted_at", now))
            handed_over += 1
            continue
        files.extend(media)
        CardEmbedding.objects.filter(content_hash__in=hashes).exclude(content_hash__in=Card.all_objects.values("content_hash")).delete()
        removed += 1
    return removed, handed_over


def _notes_erase(user, *, now: datetime) -> tuple[int, int]:
    """Remove the user's notes and note types that no card uses any more, hand the rest over; (notes removed, handed over)."""
    notes = Note.all_objects.filter(owner=user)
    removed = _delete_in_chunks(notes.exclude(pk__in=Card.all_objects.values("note_id")))
    handed_over = notes.update(owner=former_member(), deleted_at=Coalesce("deleted_at", now))
    note_types = NoteType.objects.filter(owner=user)
    note_types.exclude(pk__in=Note.all_objects.values("note_type_id")).delete()
    note_types.update(owner=former_member())
    return removed, handed_over


def former_member():
    """The switched-off account that owns decks of erased accounts that others still depend on."""
    user, created = get_user_model().objects.get_or_create(username=FORMER_MEMBER_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def sessions_of_user_delete(user_id: int) -> int:
    """Delete the stored sessions signed in as the user (or signing in during the grace period); how many.

    Django keeps no index from user to session, so every stored session is read; this
    runs only when an account is erased. A session engine that cannot be listed
    (cache or signed cookies) is left to expire.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    user_key = str(user_id)
    doomed = []
    for session_key, data in store.get_model_class().objects.values_list("session_key", "session_data").iterator(chunk_size=2000):
        decoded = store().decode(data)
        if decoded.get(SESSION_KEY) == user_key or (decoded.get(DELETION_SIGN_IN_SESSION_KEY) or {}).get("user") == user_id:
            doomed.append(session_key)
    for session_key in doomed:
        store(session_key=session_key).delete()
    return len(doomed)


def _remove_files(names: list[str], directories: list[Path]) -> None:
    for name in names:
        default_storage.delete(name)
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)
