"""``manage.py export_study_logs --format csv|jsonl|parquet|fsrs --output DIR [filters]``.

Writes the same export as the researcher page (consenting learners only, from while
they consented, pseudonymised) into DIR with its manifest, and prints the manifest's
path on the last line, so a script can hand it to
``python -m knowledge_tracing evaluate --format studylog|revlog``. When no consented
log matches it says so and writes nothing.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.research.forms import ExportRequestForm
from apps.research.selectors import consented_study_logs
from apps.research.services import NOTHING_TO_EXPORT, study_logs_export
from apps.research.writers import WRITERS


class Command(BaseCommand):
    help = "Export consented, pseudonymised study logs for research; prints the manifest's path last."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=sorted(WRITERS), dest="export_format")
        parser.add_argument("--output", required=True, type=Path, help="directory to write into (must be empty or new)")
        parser.add_argument("--from", dest="answered_from", type=date.fromisoformat, help="first day (UTC), YYYY-MM-DD")
        parser.add_argument("--until", dest="answered_until", type=date.fromisoformat, help="last day (UTC), YYYY-MM-DD")
        parser.add_argument("--cohort", help="cohort UUID: only its members' logs")
        parser.add_argument("--deck", help="deck UUID: only that deck's logs")
        parser.add_argument("--with-card-text", action="store_true")
        parser.add_argument("--with-predictions", action="store_true", help="predicted recall at show time and model version")

    def handle(self, *args, export_format, output: Path, **options):
        if output.exists() and any(output.iterdir()):
            raise CommandError(f"{output} is not empty")
        form = ExportRequestForm(
            {
                "format": export_format,
                "answered_from": options["answered_from"],
                "answered_until": options["answered_until"],
                "cohort": options["cohort"] or "",
                "deck": options["deck"] or "",
            }
        )
        if not form.is_valid():
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            raise CommandError(problems)
        if not consented_study_logs(form.export_filters()).exists():
            raise CommandError(NOTHING_TO_EXPORT)
        manifest = study_logs_export(
            export_format=export_format,
            output_dir=output,
            filters=form.export_filters(),
            include_card_text=options["with_card_text"],
            include_predictions=options["with_predictions"],
            progress=lambda rows: self.stderr.write(f"{rows} rows", ending="\r"),
        )
        self.stderr.write("")
        self.stdout.write(str(manifest))
