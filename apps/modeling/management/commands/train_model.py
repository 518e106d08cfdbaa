"""``manage.py train_model --kind KIND [--scope all|deck:<id or uuid>|cohort:<id or uuid>]``: one training run in the foreground.

Progress (stage, epoch, loss) goes to stderr; the last line on stdout is one JSON object
with the version, its held-out metrics and whether it was promoted.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.modeling.models import MODEL_KINDS, Promotion, TrainingRun
from apps.modeling.scopes import SCOPE_SYNTAX, Scope
from apps.modeling.training import training_run_create, training_run_execute


class Command(BaseCommand):
    help = "Train a student model on the app's study logs, evaluate it on the newest logs, promote it if better."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=MODEL_KINDS)
        parser.add_argument("--scope", default="all", help=f"{SCOPE_SYNTAX} (default: all)")
        parser.add_argument(
            "--hp", action="append", default=[], metavar="NAME=JSON",
            help="a hyper-parameter, e.g. --hp max_epochs=3 --hp hidden=8 (repeatable)",
        )

    def handle(self, *args, kind, scope, hp, **options):
        try:
            run = training_run_create(
                kind=kind, scope=Scope.parse(scope), trigger=TrainingRun.Trigger.COMMAND, hyperparameters=_parse(hp)
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        run = training_run_execute(run_id=run.pk, printer=self._print_progress)
        if run.status != TrainingRun.Status.SUCCEEDED:
            self.stderr.write(f"run {run.uuid} ended {run.get_status_display().lower()}: {run.message}")
        self.stdout.write(json.dumps(_summary(run)))

    def _print_progress(self, report: dict) -> None:
        self.stderr.write("  " + ", ".join(f"{key} {_short(value)}" for key, value in report.items()))


def _parse(pairs: list[str]) -> dict:
    hyperparameters = {}
    for pair in pairs:
        name, separator, raw = pair.partition("=")
        if not separator or not name:
            raise CommandError(f"--hp takes NAME=VALUE, got {pair!r}")
        try:
            hyperparameters[name] = json.loads(raw)
        except json.JSONDecodeError:
            hyperparameters[name] = raw
    return hyperparameters


def _short(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _summary(run: TrainingRun) -> dict:
    version = getattr(run, "version", None)
    if version is None:
        return {"version": None, "status": run.status, "message": run.message, "promoted": False}
    return {
        "version": version.label,
        "auc": version.auc,
        "log_loss": version.log_loss,
        "ece": version.ece,
        "brier": version.brier,
        "n": version.n,
        "promoted": Promotion.objects.filter(version=version, action=Promotion.Action.AUTOMATIC).exists(),
    }
