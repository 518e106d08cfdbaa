"""Deck and card pages: browse what you may study; owners create, edit and delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.cards import services
from apps.cards.access import card_for_owner, deck_for_owner, deck_for_study
from apps.cards.content import format_tags
from apps.cards.deck_counts import deck_counts
from apps.cards.deck_names import DeckNameError
from apps.cards.forms import CardForm, DeckForm
from apps.cards.selectors import (
    deck_cards,
    deck_children,
    deck_parents,
    deck_subtree,
    deck_tree_roots,
    deck_trees,
    listed_cards,
    live_card_count,
)
from apps.pagination import page_of


@login_required
def deck_list(request):
    """The decks the user may study, as trees: a page of top decks, each with the decks below it and its New / Learning / Due counts."""
    roots = page_of(request, deck_tree_roots(request.user))
    trees = deck_trees(roots.object_list, request.user)
    nodes = [node for tree in trees for node in tree.walk()]
    counts = deck_counts(user=request.user, decks=[node.deck for node in nodes], now=timezone.now())
    for node in nodes:
        node.counts = counts.get(node.deck.pk)
    return render(request, "cards/deck_list.html", {"decks": roots, "trees": trees, "counts_shown": bool(counts)})


@login_required
@require_http_methods(["GET", "POST"])
def deck_create(request):
    form = DeckForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            deck = services.deck_create(owner=request.user, **form.cleaned_data)
        except DeckNameError as error:
            form.add_error("title", str(error))
        else:
            messages.success(request, f"Deck “{deck.title}” created.")
            return redirect("cards:deck_detail", deck_uuid=deck.uuid)
    return render(request, "cards/deck_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def deck_detail(request, deck_uuid):
    """The deck's cards and those of the decks below it that the user may study, with links to its parents and children."""
    deck = deck_for_study(request.user, deck_uuid)
    cards = page_of(request, deck_cards(deck, viewer=request.user))
    context = {
        "deck": deck,
        "cards": cards,
        "listed": listed_cards(cards.object_list, deck=deck),
        "is_owner": deck.owner_id == request.user.pk,
        "parents": deck_parents(deck, viewer=request.user),
        "subdecks": deck_children(deck, viewer=request.user),
    }
    return render(request, "cards/deck_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deck_edit(request, deck_uuid):
    deck = deck_for_owner(request.user, deck_uuid)
    form = DeckForm(request.POST or None, deck=deck, owner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.deck_update(deck=deck, **form.cleaned_data)
        except DeckNameError as error:
            form.add_error("title", str(error))
        else:
            messages.success(request, "Deck saved.")
            return redirect("cards:deck_detail", deck_uuid=deck.uuid)
    return render(request, "cards/deck_form.html", {"form": form, "deck": deck}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def deck_delete(request, deck_uuid):
    deck = deck_for_owner(request.user, deck_uuid)
    if request.method == "POST":
        services.deck_delete(deck=deck)
        messages.success(request, f"Deck “{deck.title}” deleted.")
        return redirect("cards:deck_list")
    below = list(deck_subtree(deck).exclude(pk=deck.pk).annotate(card_count=live_card_count()))
    cards = deck_cards(deck).count()
    label = f"the deck “{deck.title}” and its {cards} card{'s' if cards != 1 else ''}"
    if below:
        label = f"the deck “{deck.title}”, the {len(below)} deck{'s' if len(below) != 1 else ''} inside it and their {cards} card{'s' if cards != 1 else ''}"
    return render(request, "cards/confirm_delete.html", {"object_label": label, "decks_inside": below})


@login_required
@require_http_methods(["GET", "POST"])
def card_create(request, deck_uuid):
    deck = deck_for_owner(request.user, deck_uuid)
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.card_create(deck=deck, **form.cleaned_data)
        messages.success(request, "Card added.")
        return redirect("cards:card_create", deck_uuid=deck.uuid)
    return render(request, "cards/card_form.html", {"form": form, "deck": deck})


@login_required
@require_http_methods(["GET", "POST"])
def card_edit(request, card_uuid):
    card = card_for_owner(request.user, card_uuid)
    if not card.note.note_type.is_builtin or card.note.note_type.name != "Basic":
        return redirect("cards:note_edit", note_uuid=card.note.uuid)
    initial = {"front": card.front, "back": card.back, "tags": format_tags(card.tags)}
    form = CardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.card_update(card=card, **form.cleaned_data)
        messages.success(request, "Card saved.")
        return redirect("cards:deck_detail", deck_uuid=card.deck.uuid)
    return render(request, "cards/card_form.html", {"form": form, "deck": card.deck, "card": card})


@login_required
@require_http_methods(["GET", "POST"])
def card_delete(request, card_uuid):
    card = card_for_owner(request.user, card_uuid)
    if request.method == "POST":
        services.card_delete(card=card)
        messages.success(request, "Card deleted.")
        return redirect("cards:deck_detail", deck_uuid=card.deck.uuid)
    return render(request, "cards/confirm_delete.html", {"object_label": f"the card “{card.front[:60]}” and its note"})
