"""Note pages: add a note of any type the owner may use, edit it (its cards follow), confirm hiding cards, delete it."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.cards.access import deck_for_owner, note_for_owner
from apps.cards.forms import NoteForm
from apps.cards.models import Card
from apps.cards.note_services import NoteChangeNeedsConfirmation, NoteInvalid, note_create, note_delete, note_types_builtin, note_update
from apps.cards.selectors import note_types_for, owned_decks


def _chosen_note_type(request):
    """The note type named by ``?note_type=<uuid>`` (Basic when absent); 404 for one the user may not use."""
    note_types_builtin()  # the built-in types exist before the first note is added
    chosen = request.GET.get("note_type") or request.POST.get("note_type")
    choices = note_types_for(request.user)
    if not chosen:
        return choices.get(owner=None, name="Basic"), choices
    note_type = choices.filter(uuid=chosen).first() if _is_uuid(chosen) else None
    if note_type is None:
        raise Http404("No such note type")
    return note_type, choices


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _cards_added(note) -> str:
    count = note.cards.count()
    return f"Note added: {count} card{'s' if count != 1 else ''}."


@login_required
@require_http_methods(["GET", "POST"])
def note_add(request, deck_uuid):
    deck = deck_for_owner(request.user, deck_uuid)
    note_type, choices = _chosen_note_type(request)
    form = NoteForm(request.POST or None, note_type=note_type, decks=owned_decks(request.user), initial={"deck": deck.uuid})
    if request.method == "POST" and form.is_valid():
        try:
            note = note_create(
                owner=request.user, deck=form.cleaned_data["deck"], note_type=note_type,
                field_values=form.field_values(), tags=form.cleaned_data["tags"],
            )
        except NoteInvalid as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _cards_added(note))
            again = reverse("cards:note_add", kwargs={"deck_uuid": form.cleaned_data["deck"].uuid})
            return redirect(f"{again}?note_type={note_type.uuid}")
    context = {"form": form, "deck": deck, "note_type": note_type, "note_types": choices}
    return render(request, "cards/note_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, note_uuid):
    note = note_for_owner(request.user, note_uuid)
    form = NoteForm(request.POST or None, note_type=note.note_type, initial=NoteForm.initial_for(note))
    cards = list(note.cards.select_related("deck").prefetch_related("note__note_type__templates").order_by("ord"))
    deck = cards[0].deck if cards else None
    if request.method == "POST" and form.is_valid():
        try:
            plan = note_update(
                note=note, field_values=form.field_values(), tags=form.cleaned_data["tags"],
                confirm_removal=request.POST.get("confirm_removal") == "1",
            )
        except NoteChangeNeedsConfirmation as asked:
            return _confirm_removal(request, note, asked.cards)
        except NoteInvalid as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Note saved.")
            for problem in plan.problems:  # a user's own (imported) type asking for what it lacks
                messages.warning(request, f"Its templates: {problem}")
            return redirect("cards:deck_detail", deck_uuid=deck.uuid) if deck else redirect("cards:deck_list")
    context = {"form": form, "note": note, "note_type": note.note_type, "cards": cards, "deck": deck}
    return render(request, "cards/note_form.html", context, status=400 if form.errors else 200)


def _confirm_removal(request, note, cards: list[Card]):
    """The page that lists the cards an edit would hide, with their answers, and posts the edit again to confirm."""
    answers = dict(
        Card.all_objects.filter(pk__in=[card.pk for card in cards]).annotate(answers=Count("study_logs")).values_list("pk", "answers")
    )
    listed = [(card, answers.get(card.pk, 0)) for card in Card.all_objects.filter(pk__in=[card.pk for card in cards]).order_by("ord")]
    kept = [(name, value) for name, value in request.POST.items() if name not in ("csrfmiddlewaretoken", "confirm_removal")]
    return render(request, "cards/note_confirm_removal.html", {"note": note, "cards": listed, "posted": kept}, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def note_delete_view(request, note_uuid):
    note = note_for_owner(request.user, note_uuid)
    deck_uuid = note.cards.order_by("ord").values_list("deck__uuid", flat=True).first()
    if request.method == "POST":
        note_delete(note=note)
        messages.success(request, "Note deleted.")
        return redirect("cards:deck_detail", deck_uuid=deck_uuid) if deck_uuid else redirect("cards:deck_list")
    count = note.cards.count()
    label = f"this {note.note_type.name} note and its {count} card{'s' if count != 1 else ''}"
    return render(request, "cards/confirm_delete.html", {"object_label": label})
