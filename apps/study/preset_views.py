"""Deck options presets: the owner's list of presets, a form to add or change one, and choosing a deck's preset.

A preset is its owner's: anyone else's preset or deck is a 404. A form with a problem
is shown again with its messages and changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.cards.access import deck_for_owner
from apps.cards.models import Deck
from apps.study.forms import DeckPresetForm, StudyPresetForm
from apps.study.models import DEFAULT_PRESET_NAME, DeckPreset, StudyPreset
from apps.study.presets import deck_preset_choose, preset_default_for


def _own_preset(user, preset_uuid) -> StudyPreset:
    preset = StudyPreset.objects.filter(uuid=preset_uuid, owner=user).first()
    if preset is None:
        raise Http404("No such preset")
    return preset


@login_required
@require_http_methods(["GET", "POST"])
def preset_list(request):
    """The user's presets, the preset each of their decks uses (to change), and a form for a new preset."""
    preset_default_for(request.user)
    form = StudyPresetForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        form.instance.owner = request.user
        preset = form.save()
        messages.success(request, f"Preset “{preset.name}” added.")
        return redirect("study:presets")
    presets = list(StudyPreset.objects.filter(owner=request.user))
    chosen = dict(DeckPreset.objects.filter(preset__owner=request.user).values_list("deck_id", "preset__uuid"))
    default = next(preset for preset in presets if preset.name == DEFAULT_PRESET_NAME)
    decks = [(deck, chosen.get(deck.pk, default.uuid)) for deck in Deck.objects.filter(owner=request.user).order_by("title", "id")]
    context = {"presets": presets, "decks": decks, "form": form}
    return render(request, "study/presets.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def preset_edit(request, preset_uuid):
    preset = _own_preset(request.user, preset_uuid)
    form = StudyPresetForm(request.POST or None, instance=preset, owner=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Preset “{preset.name}” saved.")
        return redirect("study:presets")
    return render(request, "study/preset_form.html", {"preset": preset, "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def deck_preset_set(request, deck_uuid):
    """The owner chooses the preset their deck uses (from the presets page); another's deck or preset is a 404."""
    deck = deck_for_owner(request.user, deck_uuid)
    form = DeckPresetForm(request.POST, presets=StudyPreset.objects.filter(owner=request.user))
    if not form.is_valid():
        raise Http404("No such preset")
    deck_preset_choose(deck=deck, preset=form.cleaned_data["preset"])
    messages.success(request, f"“{deck.title}” now uses the preset “{form.cleaned_data['preset'].name}”.")
    return redirect("study:presets")
