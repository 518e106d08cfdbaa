"""What "Download my data" holds: one CSV file per table, each column with what it means.

This list is the one source of the files' columns, of the README.txt inside the zip and
of the file list in docs/privacy.md. Where a table is a model's rows, every field of that
model is a column or is named in ``withheld`` with the reason it is left out (secrets,
internal numbers); a test holds that true as the models grow.
"""

from dataclasses import dataclass, field
from typing import Callable, Iterable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet

from apps.accounts.models import ApiToken, Cohort, CohortDeparture, LearnerSettings
from apps.cards.models import Card, CardTemplate, Deck, DeckImport, Note, NoteField, NoteType
from apps.dashboards.models import CardRecall, CohortCardMastery, ConceptMastery, LearnerMastery
from apps.experiments.models import ArmAssignment
from apps.privacy.models import AccountDeletion
from apps.research.models import ResearchConsentPeriod, ResearchExport
from apps.research.pseudonyms import learner_pseudonymiser
from apps.study.models import CardMark, CardState, DeckPreset, ShownCard, StudyLog, StudyPreset, StudySession

INTERNAL_ID = "Mnemo's internal row number; rows refer to each other by UUID instead."
YOU = "you: every row of this file is yours."
LEASE_FIELDS = {
    "attempts": "how many times a worker started the job (bookkeeping).",
    "heartbeat_at": "when the worker last reported progress (bookkeeping).",
    "worker": "the name of the worker process (bookkeeping).",
}


@dataclass(frozen=True)
class Column:
    """One column: its name in the file, what it means, and where it comes from (a ``values_list`` path; the name by default)."""

    name: str
    about: str
    lookup: str = ""

    @property
    def path(self) -> str:
        return self.lookup or self.name


@dataclass(frozen=True)
class Table:
    """One CSV file of the download: the rows of ``rows(user)`` (a queryset, or tuples in column order)."""

    file_name: str
    about: str
    rows: Callable[[Model], QuerySet | Iterable[tuple]]
    columns: tuple[Column, ...]
    model: type[Model] | None = None
    withheld: dict[str, str] = field(default_factory=dict)


def _account_rows(user) -> list[tuple]:
    roles = ";".join(user.groups.order_by("name").values_list("name", flat=True))
    try:
        pseudonym = learner_pseudonymiser()(user.pk)
    except ImproperlyConfigured:
        pseudonym = ""
    return [(
        user.username, user.email, user.first_name, user.last_name, user.date_joined, user.last_login,
        user.is_active, user.is_staff, user.is_superuser, roles, pseudonym,
    )]


def _cards_of(user) -> QuerySet:
    studied = (
        Q(pk__in=StudyLog.objects.filter(learner=user).values("card_id"))
        | Q(pk__in=CardState.objects.filter(learner=user).values("card_id"))
        | Q(pk__in=CardMark.objects.filter(learner=user).values("card_id"))
    )
    return Card.all_objects.filter(Q(deck__owner=user) | studied).order_by("deck_id", "id")


CARD = Column("card", "the card (its UUID in cards.csv).", "card__uuid")
DECK = Column("deck", "the deck (its UUID in decks.csv, or of a deck someone else owns).", "deck__uuid")
NOTE_TYPE = Column("note_type", "the note type (its UUID in note_types.csv, or of a built-in type).", "note_type__uuid")
TIME = "UTC"

DOWNLOAD_TABLES: tuple[Table, ...] = (
    Table(
        "account.csv", "Your account.", _account_rows,
        (
            Column("username", "the name you sign in with; instructors of your cohorts see it."),
            Column("email", "the e-mail address on the account (empty if none)."),
            Column("first_name", "your first name, if one was entered."),
            Column("last_name", "your last name, if one was entered."),
            Column("date_joined", f"when the account was made ({TIME})."),
            Column("last_login", f"when you last signed in ({TIME})."),
            Column("is_active", "whether the account can be used (false while its deletion is pending)."),
            Column("is_staff", "whether the account may use the admin."),
            Column("is_superuser", "whether the account holds every permission."),
            Column("roles", "your roles (learner, instructor, researcher), separated by ;."),
            Column("research_pseudonym", "the name research exports give you instead of your account (empty where exports are not set up)."),
        ),
        model=get_user_model(),
        withheld={"id": "the account's internal number; research exports show it only as research_pseudonym.",
                  "password": "a salted hash of your password: a secret, and no use to you."},
    ),
    Table(
        "email_addresses.csv", "The e-mail addresses you can sign in with.",
        lambda user: EmailAddress.objects.filter(user=user).order_by("id"),
        (
            Column("email", "the address."),
            Column("verified", "whether you confirmed it by a link sent to it."),
            Column("primary", "whether it is the address mail goes to."),
        ),
        model=EmailAddress, withheld={"id": INTERNAL_ID, "user": YOU},
    ),
    Table(
        "two_factor.csv", "Your two-factor sign-in methods (an authenticator app, recovery codes).",
        lambda user: Authenticator.objects.filter(user=user).order_by("id"),
        (
            Column("type", "totp (an authenticator app) or recovery_codes."),
            Column("created_at", f"when it was set up ({TIME})."),
            Column("last_used_at", f"when it was last used to sign in ({TIME}; empty if never)."),
        ),
        model=Authenticator, withheld={"id": INTERNAL_ID, "user": YOU, "data": "the app's secret and the recovery codes: secrets."},
    ),
    Table(
        "sign_ins.csv", "Your successful sign-ins, as the sign-in throttle (django-axes) records them.",
        lambda user: AccessLog.objects.filter(username=user.get_username()).order_by("attempt_time", "id"),
        (
            Column("attempt_time", f"when you signed in ({TIME})."),
            Column("logout_time", f"when that session signed out ({TIME}; empty if it did not)."),
            Column("ip_address", "the address the sign-in came from."),
            Column("user_agent", "the browser or program that signed in, as it described itself."),
            Column("path_info", "the page signed in at."),
            Column("http_accept", "the content types the browser said it accepts."),
        ),
        model=AccessLog,
        withheld={"id": INTERNAL_ID, "username": YOU, "session_hash": "a hash of the session's secret key."},
    ),
    Table(
        "failed_sign_ins.csv", "Failed sign-ins to your account not yet forgotten (a success clears them).",
        lambda user: AccessAttempt.objects.filter(username=user.get_username()).order_by("attempt_time", "id"),
        (
            Column("attempt_time", f"the latest failed attempt from this address ({TIME})."),
            Column("failures_since_start", "how many attempts failed from this address."),
            Column("ip_address", "the address the attempts came from."),
            Column("user_agent", "the browser or program, as it described itself."),
            Column("path_info", "the page the attempts were made at."),
            Column("http_accept", "the content types the browser said it accepts."),
        ),
        model=AccessAttempt,
        withheld={"id": INTERNAL_ID, "username": YOU,
                  "get_data": "the query string sent, which may hold what someone else typed.",
                  "post_data": "the form sent (password masked), which may hold what someone else typed."},
    ),
    Table(
        "api_tokens.csv", "Your API tokens (never the tokens themselves).",
        lambda user: ApiToken.objects.filter(user=user).order_by("created_at", "id"),
        (
            Column("uuid", "the token's identifier (not the token)."),
            Column("created_at", f"when it was issued ({TIME})."),
            Column("last_used_at", f"when it was last used ({TIME}, to the minute; empty if never)."),
            Column("expires_at", f"when it stops working ({TIME})."),
        ),
        model=ApiToken, withheld={"id": INTERNAL_ID, "user": YOU, "key_digest": "a SHA-256 digest of the token: a secret."},
    ),
    Table(
        "settings.csv", "Your study settings (no row: you never changed the defaults).",
        lambda user: LearnerSettings.objects.filter(user=user),
        (
            Column("cards_per_session", "cards in one study session."),
            Column("balance_workload", "whether each review may move a day or two to even out your daily reviews."),
            Column("easy_days", "weekdays with about half the reviews (0 Monday ... 6 Sunday)."),
        ),
        model=LearnerSettings, withheld={"id": INTERNAL_ID, "user": YOU},
    ),
    Table(
        "study_presets.csv", "Your deck options presets: daily limits, learning steps and target retention that your decks share.",
        lambda user: StudyPreset.objects.filter(owner=user).order_by("id"),
        (
            Column("uuid", "the preset's UUID."),
            Column("name", "its name."),
            Column("new_per_day", "new cards a day at most, counted over a deck and the decks below it."),
            Column("reviews_per_day", "reviews a day at most, counted the same way."),
            Column("learning_steps", "the learning steps of new cards (for example 1m 10m)."),
            Column("relearning_steps", "the steps of a forgotten review."),
            Column("target_retention", "the probability of recall the scheduler aims for when a review falls due."),
        ),
        model=StudyPreset, withheld={"id": INTERNAL_ID, "owner": YOU},
    ),
    Table(
        "deck_presets.csv", "The preset you chose for each of your decks (a deck not listed uses your Default preset).",
        lambda user: DeckPreset.objects.filter(preset__owner=user).order_by("id"),
        (
            DECK,
            Column("preset", "the preset (its UUID in study_presets.csv).", "preset__uuid"),
        ),
        model=DeckPreset, withheld={"id": INTERNAL_ID},
    ),
    Table(
        "research_consent.csv", "When you agreed that your study logs may be exported, pseudonymised, for research.",
        lambda user: ResearchConsentPeriod.objects.filter(learner=user).order_by("started_at", "id"),
        (
            Column("started_at", f"when you gave consent ({TIME})."),
            Column("ended_at", f"when you withdrew it ({TIME}; empty while it holds)."),
        ),
        model=ResearchConsentPeriod, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "cohorts.csv", "The cohorts (classes) you are a member of.",
        lambda user: Cohort.objects.filter(members=user).order_by("name", "id"),
        (
            Column("cohort", "the cohort's UUID.", "uuid"),
            Column("name", "its name."),
            Column("instructor", "the username of the instructor who runs it.", "owner__username"),
        ),
    ),
    Table(
        "cohorts_run.csv", "The cohorts you run as an instructor.",
        lambda user: Cohort.objects.filter(owner=user).order_by("name", "id"),
        (
            Column("cohort", "the cohort's UUID.", "uuid"),
            Column("name", "its name."),
            Column("created_at", f"when you made it ({TIME})."),
        ),
    ),
    Table(
        "cohort_departures.csv", "Cohorts you left, and how; their instructors see the same.",
        lambda user: CohortDeparture.objects.filter(learner=user).order_by("left_at", "id"),
        (
            Column("cohort", "the cohort's UUID.", "cohort__uuid"),
            Column("cohort_name", "its name.", "cohort__name"),
            Column("reason", "left (you left), removed (by the instructor) or account_deleted."),
            Column("left_at", f"when ({TIME})."),
        ),
        model=CohortDeparture, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "decks.csv", "The decks you made or imported, deleted ones too.",
        lambda user: Deck.all_objects.filter(owner=user).order_by("id"),
        (
            Column("uuid", "the deck's UUID."),
            Column("title", "its full name, with the decks above it (Parent::Child)."),
            Column("parent", "the deck it sits under (its UUID; empty for a top-level deck).", "parent__uuid"),
            Column("description", "its description."),
            Column("visibility", "private (only you) or public (every signed-in user may study it)."),
            Column("created_at", f"when it was made ({TIME})."),
            Column("updated_at", f"when it last changed ({TIME})."),
            Column("deleted_at", f"when you deleted it ({TIME}; empty if you did not)."),
        ),
        model=Deck, withheld={"id": INTERNAL_ID, "owner": YOU},
    ),
    Table(
        "cards.csv", "The cards of your decks, and every card you studied or marked in someone else's deck.",
        _cards_of,
        (
            Column("uuid", "the card's UUID."),
            DECK,
            Column("note", "the note it was made from (its UUID in notes.csv, or of a note someone else owns).", "note__uuid"),
            Column("ord", "which of the note's cards it is: the template's position, or the cloze number - 1."),
            Column("front", "the front (question) as rendered from the note, in Markdown and HTML."),
            Column("back", "the back (answer) as rendered from the note."),
            Column("tags", "its note's tags, as a JSON list."),
            Column("created_at", f"when it was made ({TIME})."),
            Column("updated_at", f"when it last changed ({TIME})."),
            Column("deleted_at", f"when it was deleted ({TIME}; empty if it was not)."),
        ),
        model=Card, withheld={"id": INTERNAL_ID, "content_hash": "a digest of front and back that Mnemo uses to find the text's embedding."},
    ),
    Table(
        "note_types.csv", "The note types you made or imported (built-in ones such as Basic are not listed).",
        lambda user: NoteType.objects.filter(owner=user).order_by("id"),
        (
            Column("uuid", "the note type's UUID."),
            Column("name", "its name."),
            Column("kind", "standard (one card per template) or cloze (one card per cloze number)."),
            Column("css", "the card styling it came with from Anki."),
            Column("created_at", f"when it was made ({TIME})."),
            Column("updated_at", f"when it last changed ({TIME})."),
        ),
        model=NoteType, withheld={"id": INTERNAL_ID, "owner": YOU},
    ),
    Table(
        "note_fields.csv", "The fields of your note types.",
        lambda user: NoteField.objects.filter(note_type__owner=user).order_by("note_type_id", "ord"),
        (
            NOTE_TYPE,
            Column("ord", "the field's position (0 first)."),
            Column("name", "the field's name."),
        ),
        model=NoteField, withheld={"id": INTERNAL_ID},
    ),
    Table(
        "card_templates.csv", "The card templates of your note types.",
        lambda user: CardTemplate.objects.filter(note_type__owner=user).order_by("note_type_id", "ord"),
        (
            NOTE_TYPE,
            Column("ord", "the template's position (0 first)."),
            Column("name", "the template's name."),
            Column("front_template", "the front template, with {{Field}} placeholders."),
            Column("back_template", "the back template."),
        ),
        model=CardTemplate, withheld={"id": INTERNAL_ID},
    ),
    Table(
        "notes.csv", "Your notes (each makes one card or more), deleted ones too.",
        lambda user: Note.all_objects.filter(owner=user).order_by("id"),
        (
            Column("uuid", "the note's UUID."),
            Column("guid", "its id across Anki collections."),
            NOTE_TYPE,
            Column("field_values", "its fields' text, as a JSON list in the note type's field order."),
            Column("tags", "its tags, as a JSON list."),
            Column("created_at", f"when it was made ({TIME})."),
            Column("updated_at", f"when it last changed ({TIME})."),
            Column("deleted_at", f"when it was deleted ({TIME}; empty if it was not)."),
        ),
        model=Note, withheld={"id": INTERNAL_ID, "owner": YOU},
    ),
    Table(
        "study_sessions.csv", "Your study sessions (one sitting with one deck).",
        lambda user: StudySession.objects.filter(learner=user).order_by("started_at", "id"),
        (
            Column("uuid", "the session's UUID."),
            DECK,
            Column("planned_cards", "how many cards the session was to show."),
            Column("started_at", f"when it began ({TIME})."),
            Column("last_activity_at", f"your last answer or request in it ({TIME})."),
            Column("ended_at", f"when it ended ({TIME}; empty if it was left open)."),
            Column("kind", "empty for a regular session; extra_new, review_ahead or forgotten for a \"study more\" session."),
            Column("new_limit", "in an extra_new session, the deck's new cards a day it allowed for the rest of that day (empty otherwise)."),
        ),
        model=StudySession, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "shown_cards.csv", "Every card put in front of you, with what chose it (answered or not).",
        lambda user: ShownCard.objects.filter(learner=user).order_by("shown_at", "id"),
        (
            Column("uuid", "the showing's UUID."),
            CARD,
            DECK,
            Column("session", "the study session (its UUID; empty if shown outside one).", "session__uuid"),
            Column("shown_at", f"when it was shown ({TIME})."),
            Column("policy", "the scheduling policy that chose it."),
            Column("model_version", "the student model version whose prediction chose it (empty: none)."),
            Column("predicted_recall", "that model's probability that you would recall it then (empty: no model)."),
            Column("selection_probability", "the probability with which the policy chose this card."),
            Column("answered", "whether you answered it (the answer is in study_logs.csv)."),
            Column("fallback_reason", "why the model could not score and FSRS due order chose instead (empty: it did not fail)."),
            Column("target_retention", "the probability of recall the scheduler aimed for when it chose the card."),
        ),
        model=ShownCard, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "study_logs.csv", "Every answer you gave: the facts Mnemo's models learn from.",
        lambda user: StudyLog.objects.filter(learner=user).order_by("answered_at", "id"),
        (
            Column("log_uuid", "the answer's UUID."),
            CARD,
            DECK,
            Column("session", "the study session (its UUID; empty for imported history).", "session__uuid"),
            Column("shown", "the showing it answers (its UUID in shown_cards.csv; empty for imported history).", "shown__uuid"),
            Column("shown_at", f"when the card was shown ({TIME})."),
            Column("answered_at", f"when you answered ({TIME})."),
            Column("response_ms", "how long you took, in milliseconds."),
            Column("outcome", "true if you recalled it (every grade but Again)."),
            Column("grade", "1 Again, 2 Hard, 3 Good, 4 Easy."),
            Column("policy", "the scheduling policy that chose the card."),
            Column("model_version", "the student model version whose prediction chose it (empty: none)."),
            Column("predicted_recall", "that model's probability of recall at show time (empty: no model)."),
            Column("selection_probability", "the probability with which the policy chose the card."),
            Column("state_before", "your memory state of the card before this answer, as JSON ({} if new; empty if not kept); undo restores it."),
            Column("created_at", f"when Mnemo stored the answer ({TIME})."),
            Column("undone_at", f"when you undid this answer ({TIME}; empty if you did not).", "undo__undone_at"),
        ),
        model=StudyLog, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "card_states.csv", "Your memory state of each card you studied (FSRS-6), derived from your answers.",
        lambda user: CardState.objects.filter(learner=user).order_by("first_studied_at", "id"),
        (
            CARD,
            DECK,
            Column("state", "1 learning, 2 review, 3 relearning."),
            Column("step", "the learning step you are on (empty in review)."),
            Column("stability", "FSRS stability: days until recall falls to 90%."),
            Column("difficulty", "FSRS difficulty, 1 (easy) to 10 (hard)."),
            Column("due_at", f"when the card is next due ({TIME})."),
            Column("last_review_at", f"your last answer ({TIME})."),
            Column("first_studied_at", f"your first answer ({TIME})."),
            Column("reps", "answers counted."),
            Column("lapses", "times you forgot it after learning it."),
        ),
        model=CardState, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "card_marks.csv", "The cards you suspended, buried or flagged.",
        lambda user: CardMark.objects.filter(learner=user).order_by("id"),
        (
            CARD,
            Column("suspended", "whether you suspended the card (it is left out of study)."),
            Column("buried_until", f"until when the card is buried, left out of study ({TIME}; empty if not buried)."),
            Column(
                "buried_by", "the answer that buried it as a sibling (its UUID in study_logs.csv; empty: buried by hand or not buried).",
                "buried_by__log_uuid",
            ),
            Column("flag", "the flag you gave it: 0 none, 1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple."),
            Column("updated_at", f"when you last changed a mark on it ({TIME})."),
        ),
        model=CardMark, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "predicted_recall.csv", "The latest mastery of each card you studied, as your progress page shows it.",
        lambda user: CardRecall.objects.filter(snapshot__learner=user).order_by("snapshot_id", "id"),
        (
            Column("deck", "the deck (its UUID).", "snapshot__deck__uuid"),
            CARD,
            Column("computed_at", f"when it was computed ({TIME}).", "snapshot__computed_at"),
            Column("horizon_at", f"the moment mastery is predicted for, if the card is not studied before it ({TIME}).", "snapshot__horizon_at"),
            Column("model_version", "the model that predicted it (or fsrs-state).", "snapshot__model_version"),
            Column("mastery", "the probability that you recall the card at horizon_at."),
            Column("due_at", f"when the card was due by FSRS ({TIME})."),
            Column("lapses", "times you forgot it."),
            Column("reps", "answers counted."),
        ),
        model=CardRecall, withheld={"id": INTERNAL_ID},
    ),
    Table(
        "cohort_mastery.csv", "What your instructors' dashboards show about you (the latest snapshot of each cohort).",
        lambda user: LearnerMastery.objects.filter(learner=user).order_by("snapshot_id", "id"),
        (
            Column("cohort", "the cohort (its UUID).", "snapshot__cohort__uuid"),
            Column("computed_at", f"when the snapshot was computed ({TIME}).", "snapshot__computed_at"),
            Column("cards_studied", "cards of the cohort's decks you studied."),
            Column("mean_mastery", "your mean mastery of them (predicted recall at the cohort's horizon)."),
            Column("cards_at_risk", "cards below the cohort's target at its horizon, or overdue."),
            Column("answers", "your answers on the cohort's decks."),
            Column("time_spent_ms", "your time answering, in milliseconds."),
            Column("last_seen_at", f"your last answer ({TIME})."),
        ),
        model=LearnerMastery, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "concept_mastery.csv", "Your mean predicted recall per concept (tag), as your instructors' dashboards show it.",
        lambda user: ConceptMastery.objects.filter(learner=user).order_by("snapshot_id", "id"),
        (
            Column("cohort", "the cohort (its UUID).", "snapshot__cohort__uuid"),
            Column("computed_at", f"when the snapshot was computed ({TIME}).", "snapshot__computed_at"),
            Column("concept", "the tag."),
            Column("mean_mastery", "your mean mastery of the cards with that tag."),
            Column("cards_studied", "how many such cards you studied."),
        ),
        model=ConceptMastery, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "cohort_card_mastery.csv", "Your mastery of each card of a cohort's decks, as your instructors' dashboards show it.",
        lambda user: CohortCardMastery.objects.filter(learner=user).order_by("snapshot_id", "id"),
        (
            Column("cohort", "the cohort (its UUID).", "snapshot__cohort__uuid"),
            Column("computed_at", f"when the snapshot was computed ({TIME}).", "snapshot__computed_at"),
            Column("horizon_at", f"the moment mastery is predicted for ({TIME}).", "snapshot__horizon_at"),
            CARD,
            Column("mastery", "the probability that you recall the card at horizon_at."),
            Column("due_at", f"when the card was due by FSRS ({TIME})."),
            Column("lapses", "times you forgot it."),
            Column("reps", "answers counted."),
        ),
        model=CohortCardMastery, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "experiment_arms.csv", "Experiments between scheduling policies that you took part in, and your arm.",
        lambda user: ArmAssignment.objects.filter(learner=user).order_by("assigned_at", "id"),
        (
            Column("experiment", "the experiment's UUID.", "experiment__uuid"),
            Column("experiment_name", "its name.", "experiment__name"),
            Column("arm", "the arm (treatment) you were put in.", "arm__name"),
            Column("arm_policy", "that arm's scheduling policy.", "arm__policy"),
            Column("arm_model_kind", "that arm's kind of student model (empty: any).", "arm__model_kind"),
            Column("assigned_at", f"when you were put in it ({TIME})."),
        ),
        model=ArmAssignment, withheld={"id": INTERNAL_ID, "learner": YOU},
    ),
    Table(
        "deck_imports.csv", "Deck files you uploaded (the files themselves are not kept once imported).",
        lambda user: DeckImport.objects.filter(owner=user).order_by("created_at", "id"),
        (
            Column("uuid", "the import's UUID."),
            Column("original_name", "the uploaded file's name."),
            Column("title", "the title you gave the deck."),
            Column("status", "preview, queued, running, done or failed."),
            Column("created_at", f"when you uploaded it ({TIME})."),
            Column("deck", "the deck it made (its UUID; empty if none).", "deck__uuid"),
            Column("preview", "the counts, first rows and warnings shown before you confirmed (JSON)."),
            Column("progress_done", "items imported so far."),
            Column("progress_total", "items to import."),
            Column("progress_stage", "what the import was doing."),
            Column("result", "what was imported (JSON)."),
            Column("error", "why it failed (empty if it did not)."),
        ),
        model=DeckImport,
        withheld={"id": INTERNAL_ID, "owner": YOU, "upload": "where the uploaded file was stored on the server.", **LEASE_FIELDS},
    ),
    Table(
        "research_exports.csv", "Research exports you requested (researchers only).",
        lambda user: ResearchExport.objects.filter(requested_by=user).order_by("created_at", "id"),
        (
            Column("uuid", "the export's UUID."),
            Column("format", "csv, jsonl, parquet or fsrs."),
            Column("answered_from", f"the filter's start ({TIME})."),
            Column("answered_before", f"the filter's end ({TIME})."),
            Column("cohort", "the cohort filter (its UUID).", "cohort__uuid"),
            Column("deck", "the deck filter (its UUID).", "deck__uuid"),
            Column("include_card_text", "whether card text was included."),
            Column("include_predictions", "whether model predictions were included."),
            Column("status", "queued, running, done or failed."),
            Column("total_rows", "rows the export was to hold."),
            Column("rows_written", "rows written."),
            Column("manifest", "the export's manifest (JSON)."),
            Column("error", "why it failed."),
            Column("created_at", f"when you requested it ({TIME})."),
            Column("finished_at", f"when it was written ({TIME})."),
            Column("expires_at", f"when its files are deleted ({TIME})."),
        ),
        model=ResearchExport, withheld={"id": INTERNAL_ID, "requested_by": YOU, **LEASE_FIELDS},
    ),
    Table(
        "account_deletions.csv", "Times you asked for your account to be deleted.",
        lambda user: AccountDeletion.objects.filter(user=user).order_by("requested_at", "id"),
        (
            Column("uuid", "the request's UUID."),
            Column("status", "pending, cancelled or erased."),
            Column("requested_at", f"when you asked ({TIME})."),
            Column("erase_after", f"the end of the grace period ({TIME})."),
            Column("cancelled_at", f"when you kept your account after all ({TIME})."),
            Column("consent_withdrawn", "whether asking withdrew your research consent (cancelling gave it again)."),
        ),
        model=AccountDeletion,
        withheld={"id": INTERNAL_ID, "user": YOU,
                  "erased_at": "set only when the account is erased, after which nobody can download it.",
                  "erased_rows": "set only when the account is erased.",
                  "attempts": "erasures tried (bookkeeping).", "last_error": "why an erasure attempt failed (bookkeeping)."},
    ),
)

DECK_FILES_ABOUT = (
    "decks/<title>-<id>.csv and decks/<title>-<id>.apkg: each top deck you own (not deleted; one not under another "
    "deck of yours), with the decks below it, as Mnemo's deck export writes it: the CSV has a note per row (note type, "
    "deck, fields and tags, as the CSV import reads them); the .apkg is an Anki package with the note types, notes, "
    "cards, the deck tree, their media and your review history of them, which Anki imports."
)
