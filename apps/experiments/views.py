"""Experiment pages for a deck's owner and staff: list, create, edit, start, stop, and the results per arm."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.experiments import services
from apps.experiments.access import deck_for_experiments, experiment_for_manager
from apps.experiments.forms import ExperimentForm, arm_formset
from apps.experiments.selectors import deck_experiments, experiment_results
from apps.pagination import page_of


@login_required
@require_GET
def experiment_list(request, deck_uuid):
    deck = deck_for_experiments(request.user, deck_uuid)
    return render(request, "experiments/experiment_list.html", {"deck": deck, "experiments": page_of(request, deck_experiments(deck))})


def _save_form(request, *, deck, experiment):
    """Render the form, or on a valid POST save through the service and go to the experiment page."""
    data = request.POST if request.method == "POST" else None
    form = ExperimentForm(data, initial={"name": experiment.name} if experiment else None)
    arms = arm_formset(experiment, data)
    if data is not None and form.is_valid() and arms.is_valid():
        try:
            if experiment is None:
                experiment = services.experiment_create(deck=deck, name=form.cleaned_data["name"], created_by=request.user, arms=arms.specs())
            else:
                experiment = services.experiment_update(experiment=experiment, name=form.cleaned_data["name"], arms=arms.specs())
        except services.ExperimentInvalid as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Experiment “{experiment.name}” saved.")
            return redirect("experiments:experiment_detail", experiment_uuid=experiment.uuid)
    context = {"deck": deck, "experiment": experiment, "form": form, "arms": arms}
    return render(request, "experiments/experiment_form.html", context, status=400 if data is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def experiment_create(request, deck_uuid):
    return _save_form(request, deck=deck_for_experiments(request.user, deck_uuid, action="add"), experiment=None)


@login_required
@require_http_methods(["GET", "POST"])
def experiment_edit(request, experiment_uuid):
    experiment = experiment_for_manager(request.user, experiment_uuid, action="change")
    return _save_form(request, deck=experiment.deck, experiment=experiment)


@login_required
@require_GET
def experiment_detail(request, experiment_uuid):
    experiment = experiment_for_manager(request.user, experiment_uuid)
    context = {"experiment": experiment, "deck": experiment.deck, "results": experiment_results(experiment)}
    return render(request, "experiments/experiment_detail.html", context)


def _change_status(request, experiment_uuid, change, done: str):
    experiment = experiment_for_manager(request.user, experiment_uuid, action="change")
    try:
        change(experiment=experiment)
    except services.ExperimentInvalid as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("experiments:experiment_detail", experiment_uuid=experiment.uuid)


@login_required
@require_POST
def experiment_start(request, experiment_uuid):
    return _change_status(request, experiment_uuid, services.experiment_start, "Experiment started: learners of the deck are now assigned to arms.")


@login_required
@require_POST
def experiment_stop(request, experiment_uuid):
    return _change_status(request, experiment_uuid, services.experiment_stop, "Experiment stopped: learners are back on the default policy.")
