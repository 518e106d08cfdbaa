"""The instructor's cohort dashboard and learner detail, the learner's own progress page, and their CSV downloads.

Pages read snapshots (see ``models``), say how old they are and how each figure is
defined; charts are drawn by ``static/js/dashboards.js`` from ``json_script`` data, each
with its table beside it. The dashboard's "Compute now" queues a worker task and shows
its progress (htmx polls ``computation_status``, which reloads the page when it is done).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.cards.cohort_decks import cohort_covered_decks
from apps.dashboards import selectors, services, tables
from apps.dashboards.access import cohort_for_dashboard, cohort_for_mastery_settings, may_change_mastery_settings, member_for_dashboard
from apps.dashboards.forms import CohortMasterySettingsForm
from apps.dashboards.html import heatmap_html, learners_html
from apps.dashboards.mastery import horizon_phrase
from apps.dashboards.models import ConceptMastery
from apps.pagination import page_of
from apps.study.presets import preset_default_for

LEARNERS_PAGE = "learners_page"
"""The query parameter of the dashboard's page of learners: the heatmap and the learners table show the same page."""


def _cohort_tables(snapshot, now) -> dict:
    return {
        "learners": lambda: tables.cohort_learners_table(snapshot),
        "mastery": lambda: tables.cohort_mastery_table(snapshot),
        "concepts": lambda: tables.cohort_concepts_table(snapshot),
        "items": lambda: tables.cohort_items_table(snapshot),
        "forecast": lambda: tables.forecast_table(selectors.forecast_days(snapshot.review_forecast, now=now)),
    }


def _definitions(snapshot) -> dict:
    """What the definitions lines of a cohort page say about its snapshot."""
    return {
        "horizon": horizon_phrase(horizon_at=snapshot.horizon_at, exam_date=snapshot.exam_date, computed_at=snapshot.computed_at),
        "sources": selectors.snapshot_sources(snapshot),
    }


@login_required
@require_GET
def cohort_dashboard(request, cohort_uuid):
    cohort = cohort_for_dashboard(request.user, cohort_uuid)
    snapshot = selectors.latest_cohort_snapshot(cohort)
    context = {
        "cohort": cohort,
        "snapshot": snapshot,
        "computation": selectors.latest_computation(cohort),
        "settings_form": CohortMasterySettingsForm(instance=cohort) if may_change_mastery_settings(request.user, cohort) else None,
    }
    if snapshot is not None:
        learners = page_of(request, selectors.learner_rows(snapshot), parameter=LEARNERS_PAGE)
        concepts, heatmap_rows = selectors.heatmap(snapshot, learners.object_list)
        forecast = selectors.forecast_days(snapshot.review_forecast, now=timezone.now())
        context |= {
            "definitions": _definitions(snapshot),
            "heatmap_html": heatmap_html(concepts, heatmap_rows),
            "learners_html": learners_html(row for row, _ in heatmap_rows),
            "learners_page": learners,
            "learners_parameter": LEARNERS_PAGE,
            "concept_table": tables.cohort_concepts_table(snapshot),
            "items_table": tables.cohort_items_table(snapshot, limit=selectors.HARDEST_SHOWN),
            "forecast_table": tables.forecast_table(forecast),
            "forecast_totals": selectors.forecast_totals(snapshot.review_forecast),
            "forecast_chart": {"labels": [row["day"].isoformat() for row in forecast], "reviews": [row["reviews"] for row in forecast]},
        }
    return render(request, "dashboards/cohort_dashboard.html", context)


@login_required
@require_POST
def compute_now(request, cohort_uuid):
    """Queue a computation of the cohort's numbers for a worker (at most one at a time, and not too often)."""
    cohort = cohort_for_dashboard(request.user, cohort_uuid)
    try:
        services.snapshot_computation_request(cohort=cohort, requested_by=request.user)
    except services.ComputationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Computing the numbers: a worker is on it, and this page follows its progress.")
    return redirect("dashboards:cohort_dashboard", cohort_uuid=cohort.uuid)


@login_required
@require_GET
def computation_status(request, cohort_uuid):
    """The progress panel, polled by htmx while a computation is queued or running; when it has finished, the page reloads."""
    cohort = cohort_for_dashboard(request.user, cohort_uuid)
    computation = selectors.latest_computation(cohort)
    response = render(request, "dashboards/_computation.html", {"cohort": cohort, "computation": computation})
    if request.headers.get("HX-Request") and computation is not None and not computation.in_progress:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def mastery_settings(request, cohort_uuid):
    """Set the cohort's exam date and target; the numbers are then computed again (when "Compute now" allows)."""
    cohort = cohort_for_mastery_settings(request.user, cohort_uuid)
    form = CohortMasterySettingsForm(request.POST, instance=cohort)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("dashboards:cohort_dashboard", cohort_uuid=cohort.uuid)
    services.cohort_mastery_settings_update(cohort=cohort, exam_date=form.cleaned_data["exam_date"], target_recall=form.cleaned_data["target_recall"])
    try:
        services.snapshot_computation_request(cohort=cohort, requested_by=request.user)
    except services.ComputationRefused as refusal:
        messages.success(request, f"Saved. The numbers below still use the old settings: {refusal}")
    else:
        messages.success(request, "Saved. The numbers are being computed again with the new settings.")
    return redirect("dashboards:cohort_dashboard", cohort_uuid=cohort.uuid)


@login_required
@require_GET
def cohort_csv(request, cohort_uuid, table: str):
    cohort = cohort_for_dashboard(request.user, cohort_uuid)
    snapshot = selectors.latest_cohort_snapshot(cohort)
    named = _cohort_tables(snapshot, timezone.now())
    if snapshot is None and table in named:
        return tables.csv_response(tables.Table(["no snapshot computed yet"], []), filename=f"{cohort.uuid}-{table}.csv")
    return tables.csv_response(tables.table_named(named, table), filename=f"{cohort.uuid}-{table}.csv")


def _learner_data(cohort, learner, now) -> dict:
    decks = cohort_covered_decks(cohort)
    snapshot = selectors.latest_cohort_snapshot(cohort)
    card_rows = [] if snapshot is None else selectors.learner_card_mastery(snapshot, learner=learner)
    concepts = [] if snapshot is None else list(
        ConceptMastery.objects.filter(snapshot=snapshot, learner=learner).order_by("mean_mastery", "concept").values("concept", "mean_mastery", "cards_studied")
    )
    return {
        "snapshot": snapshot,
        "mastery": None if snapshot is None else snapshot.learners.filter(learner=learner).first(),
        "at_risk": [] if snapshot is None else selectors.cards_at_risk(snapshot, card_rows),
        "activity": selectors.daily_activity(learner=learner, decks=decks, now=now),
        "concepts": concepts,
    }


def _learner_tables(data) -> dict:
    return {
        "cards-at-risk": lambda: tables.cards_at_risk_table(data["snapshot"], data["at_risk"]),
        "activity": lambda: tables.activity_table(data["activity"]),
        "concepts": lambda: tables.concept_mastery_table(data["concepts"]),
    }


@login_required
@require_GET
def learner_detail(request, cohort_uuid, username: str):
    cohort, learner = member_for_dashboard(request.user, cohort_uuid, username)
    data = _learner_data(cohort, learner, timezone.now())
    named = _learner_tables(data)
    context = {
        "cohort": cohort,
        "learner": learner,
        **data,
        "definitions": None if data["snapshot"] is None else _definitions(data["snapshot"]),
        "at_risk_table": named["cards-at-risk"](),
        "activity_table": named["activity"](),
        "concept_table": named["concepts"](),
        "activity_chart": _activity_chart(data["activity"]),
    }
    return render(request, "dashboards/learner_detail.html", context)


@login_required
@require_GET
def learner_csv(request, cohort_uuid, username: str, table: str):
    cohort, learner = member_for_dashboard(request.user, cohort_uuid, username)
    named = _learner_tables(_learner_data(cohort, learner, timezone.now()))
    return tables.csv_response(tables.table_named(named, table), filename=f"{cohort.uuid}-{learner.username}-{table}.csv")


def _activity_chart(activity: list[dict]) -> dict:
    return {
        "labels": [row["day"].isoformat() for row in activity],
        "answers": [row["answers"] for row in activity],
        "recall_rate": [row["recall_rate"] for row in activity],
    }


def _progress_tables(progress) -> dict:
    return {
        "activity": lambda: tables.activity_table(progress.activity),
        "distribution": lambda: tables.distribution_table(progress.distribution),
        "forecast": lambda: tables.forecast_table(progress.forecast),
        "strongest": lambda: tables.concept_mastery_table(progress.strongest),
        "weakest": lambda: tables.concept_mastery_table(progress.weakest),
        "workload": lambda: tables.workload_table(progress.workload),
        "study_days": lambda: tables.study_days_table(progress.calendar),
    }


@login_required
@require_GET
def progress(request):
    learner_progress = selectors.learner_progress(learner=request.user)
    named = _progress_tables(learner_progress)
    target_retention = preset_default_for(request.user).target_retention
    context = {
        "progress": learner_progress,
        "target_retention": target_retention,
        "tables": {name: build() for name, build in named.items()},
        "calendar": [{"day": row["day"], "answers": row["answers"], "level": min((row["answers"] + 9) // 10, 4)} for row in learner_progress.calendar],
        "charts": {
            "activity": _activity_chart(learner_progress.activity),
            "distribution": {"labels": [row["range"] for row in learner_progress.distribution], "cards": [row["cards"] for row in learner_progress.distribution]},
            "forecast": {"labels": [row["day"].isoformat() for row in learner_progress.forecast], "reviews": [row["reviews"] for row in learner_progress.forecast]},
            "workload": {
                "labels": [f"{row['target_retention']:.2f}" for row in learner_progress.workload],
                "daily_reviews": [row["daily_reviews"] for row in learner_progress.workload],
                "low": [row["low"] for row in learner_progress.workload],
                "high": [row["high"] for row in learner_progress.workload],
                "target_retention": target_retention,
            },
        },
    }
    return render(request, "dashboards/progress.html", context)


@login_required
@require_GET
def progress_csv(request, table: str):
    named = _progress_tables(selectors.learner_progress(learner=request.user))
    return tables.csv_response(tables.table_named(named, table), filename=f"progress-{table}.csv")
