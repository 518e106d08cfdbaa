"""When to train without anyone asking: every night, and when a scope has gathered enough new logs.

Both triggers create one queued run per configured kind (``MNEMO_TRAINING_KINDS``) for
each scope with enough logs (everyone, each deck and each cohort), skipping a kind that already
has a run waiting or in progress for that scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max

from apps.modeling.datasets import scope_logs
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import TARGETS, Scope
from apps.modeling.training import training_run_create
from apps.study.models import StudyLog

OPEN_STATUSES = (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING)


def scopes_with_enough_logs() -> list[Scope]:
    """Everyone, each deck and each cohort, when it holds at least ``MNEMO_TRAINING_MIN_LOGS`` live logs.

    One grouped query per kind of scope counts the logs of all its objects at once.
    """
    minimum = settings.MNEMO_TRAINING_MIN_LOGS
    scopes = [Scope()] if scope_logs(Scope()).count() >= minimum else []
    for kind, target in TARGETS.items():
        counts = (
            StudyLog.objects.live().filter(**{f"{target.log_lookup}__isnull": False})
            .values(target.log_lookup).annotate(logs=Count("id")).filter(logs__gte=minimum).order_by(target.log_lookup)
        )
        scopes += [Scope(kind, row[target.log_lookup]) for row in counts]
    return scopes


def new_logs_since_last_run(scope: Scope) -> int:
    """Live logs of the scope recorded after its latest run was created (all of them before any run)."""
    last_run = TrainingRun.objects.filter(scope_key=scope.key).aggregate(latest=Max("created_at"))["latest"]
    logs = scope_logs(scope)
    return logs.filter(created_at__gt=last_run).count() if last_run else logs.count()


def training_runs_schedule(*, scopes: list[Scope], trigger: str) -> list[TrainingRun]:
    """Queue one run per configured kind and scope, unless that kind is already queued or running there."""
    runs = []
    for scope in scopes:
        busy = set(
            TrainingRun.objects.filter(scope_key=scope.key, status__in=OPEN_STATUSES).values_list("kind", flat=True)
        )
        for kind in settings.MNEMO_TRAINING_KINDS:
            if kind not in busy:
                runs.append(training_run_create(kind=kind, scope=scope, trigger=trigger))
    return runs


def training_runs_schedule_nightly() -> list[TrainingRun]:
    return training_runs_schedule(scopes=scopes_with_enough_logs(), trigger=TrainingRun.Trigger.NIGHTLY)


def training_runs_schedule_on_new_logs() -> list[TrainingRun]:
    threshold = settings.MNEMO_TRAINING_NEW_LOGS_THRESHOLD
    due = [scope for scope in scopes_with_enough_logs() if new_logs_since_last_run(scope) >= threshold]
    return training_runs_schedule(scopes=due, trigger=TrainingRun.Trigger.NEW_LOGS)
