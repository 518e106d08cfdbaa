"""Admin for studying: study logs are read-only (append-only facts)."""

from django.contrib import admin

from apps.admin_base import ReadOnlyAdmin
from apps.study.models import CardMark, CardState, StudyLog, StudyLogUndo, StudySession


@admin.register(StudyLog)
class StudyLogAdmin(ReadOnlyAdmin):
    list_display = ["answered_at", "learner", "card", "grade", "response_ms", "chosen_by", "predicted_recall"]
    list_filter = ["policy", "grade"]
    search_fields = ["learner__username", "log_uuid"]
    list_select_related = ["learner", "card", "shown"]

    @admin.display(description="chosen by")
    def chosen_by(self, log: StudyLog) -> str:
        return log.chosen_by


@admin.register(StudyLogUndo)
class StudyLogUndoAdmin(ReadOnlyAdmin):
    list_display = ["log", "undone_at"]


@admin.register(StudySession)
class StudySessionAdmin(ReadOnlyAdmin):
    list_display = ["learner", "deck", "started_at", "ended_at", "planned_cards"]
    list_select_related = ["learner", "deck"]


@admin.register(CardState)
class CardStateAdmin(ReadOnlyAdmin):
    list_display = ["learner", "card", "state", "due_at", "stability", "difficulty", "reps", "lapses"]
    list_select_related = ["learner", "card"]


@admin.register(CardMark)
class CardMarkAdmin(ReadOnlyAdmin):
    list_display = ["learner", "card", "suspended", "buried_until", "flag", "updated_at"]
    list_filter = ["suspended", "flag"]
    list_select_related = ["learner", "card"]
