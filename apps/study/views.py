"""The study pages: start a session, show a card, reveal, grade, undo, finish, summary, own history.

Every page works as plain HTML forms; with htmx the card area is swapped in place
(requests carrying ``HX-Request`` get the fragment, or ``HX-Redirect`` at the end).
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST

from apps.cards.access import deck_for_study
from apps.study import mark_services, selectors, services
from apps.study.access import session_for_learner
from apps.study.forms import AnswerForm, MarkForm, StudyMoreForm
from apps.study.models import CardMark, StudySession
from apps.study.presets import deck_preset
from apps.study.schedule import interval_words, shown_card_schedule
from apps.study.study_more import study_more_offers, study_more_start
from apps.pagination import page_of

GRADE_BUTTONS = [(1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy")]


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to_summary(request, session):
    url = reverse("study:session_summary", kwargs={"session_uuid": session.uuid})
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _outlook(session):
    return selectors.study_outlook(learner=session.learner, deck=session.deck, preset=deck_preset(session.deck), now=timezone.now())


def _grade_buttons(shown) -> list[tuple[int, str, str]]:
    """(grade, label, the interval it schedules, in Anki's words) from the computation the answer will store."""
    now = timezone.now()
    schedule = shown_card_schedule(shown, now=now)
    return [(value, label, interval_words((schedule.due_at[value] - now).total_seconds())) for value, label in GRADE_BUTTONS]


def _card_fragment_context(session, shown, *, revealed: bool, notice: str = "") -> dict:
    answered = selectors.session_answered_count(session)
    cards = None if session.kind else max(1, selectors.session_cards_reachable(session, answered=answered, outlook=_outlook(session)))
    return {
        "session": session,
        "shown": shown,
        "revealed": revealed,
        "answered": answered,
        "cards": cards,
        "log_uuid": uuid.uuid4(),
        "grade_buttons": _grade_buttons(shown) if revealed else [],
        "notice": notice,
        "flags": CardMark.Flag.choices[1:],
    }


def _render_card(request, session, shown, *, revealed: bool = False, status: int = 200, notice: str = ""):
    context = _card_fragment_context(session, shown, revealed=revealed, notice=notice)
    template = "study/_card.html" if _is_htmx(request) else "study/session.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def session_start(request, deck_uuid):
    """The learner's unfinished session of the deck, resumed; a new one when there is none."""
    deck = deck_for_study(request.user, deck_uuid)
    session = services.study_session_resume_or_start(learner=request.user, deck=deck)
    return redirect("study:session", session_uuid=session.uuid)


@login_required
@require_GET
def session_page(request, session_uuid):
    """The current card (front, or back with ``?reveal=1``); the summary once the session is over."""
    session = session_for_learner(request.user, session_uuid)
    shown = services.study_session_next(session=session)
    if shown is None:
        return _to_summary(request, session)
    return _render_card(request, session, shown, revealed=request.GET.get("reveal") == "1")


@login_required
@require_POST
def answer(request, session_uuid):
    session = session_for_learner(request.user, session_uuid)
    form = AnswerForm(request.POST)
    shown = selectors.pending_shown_card(learner=request.user, deck=session.deck, session=session)
    if not form.is_valid():
        if shown is None:
            return HttpResponse("Invalid answer.", status=400)
        return _render_card(request, session, shown, revealed=True, status=400)
    shown_record = session.shown_cards.select_related("card").filter(uuid=form.cleaned_data["shown"]).first()
    if shown_record is None:
        return HttpResponse("That card was not shown in this session.", status=400)
    response_ms = form.cleaned_data["response_ms"]
    if response_ms is None:
        response_ms = int((timezone.now() - shown_record.shown_at).total_seconds() * 1000)
    try:
        services.study_log_record(
            learner=request.user,
            card=shown_record.card,
            log_uuid=form.cleaned_data["log_uuid"],
            grade=form.cleaned_data["grade"],
            response_ms=min(response_ms, services.MAX_RESPONSE_MS),
            shown_uuid=shown_record.uuid,
        )
    except services.AnswerRejected:
        pass  # already answered (a double submit): carry on with the session's next card
    return _next_or_summary(request, session)


def _next_or_summary(request, session, *, notice: str = ""):
    """The session's next card (with ``notice`` said over it), or the summary once it is over."""
    shown = services.study_session_next(session=session)
    if shown is None:
        if notice:
            messages.info(request, notice)
        return _to_summary(request, session)
    if _is_htmx(request):
        return _render_card(request, session, shown, notice=notice)
    if notice:
        messages.info(request, notice)
    return redirect("study:session", session_uuid=session.uuid)


def card_excerpt(card) -> str:
    """The card's front as plain text, short enough for a one-line notice."""
    return Truncator(strip_tags(card.front)).chars(40)


@login_required
@require_POST
def undo(request, session_uuid):
    session = session_for_learner(request.user, session_uuid)
    undone = services.study_log_undo_last(session=session)
    if undone is None:
        return _next_or_summary(request, session, notice="Nothing to undo.")
    return _next_or_summary(request, session, notice=f"Undid {undone.get_grade_display()} on “{card_excerpt(undone.card)}”.")


MARK_ACTIONS = {
    "bury": (lambda learner, card: mark_services.card_bury(learner=learner, cards=card), "Buried “{}” until tomorrow."),
    "suspend": (lambda learner, card: mark_services.card_suspend(learner=learner, cards=card), "Suspended “{}”."),
}


@login_required
@require_POST
def mark(request, session_uuid):
    """Bury, suspend or flag the card on the screen (Anki's -, @ and Ctrl+1..7), then the next card with what was done."""
    session = session_for_learner(request.user, session_uuid)
    form = MarkForm(request.POST)
    shown = session.shown_cards.select_related("card__deck").filter(uuid=form.cleaned_data["shown"]).first() if form.is_valid() else None
    if shown is None:
        return HttpResponse("Choose bury, suspend or a flag from 0 to 7 for a card of this session.", status=400)
    action, card = form.cleaned_data["action"], shown.card
    if action == "flag":
        flag = form.cleaned_data["flag"]
        mark_services.card_flag(learner=request.user, cards=card, flag=flag)
        notice = f"Flagged “{card_excerpt(card)}” {CardMark.Flag(flag).label.lower()}." if flag else f"Took the flag off “{card_excerpt(card)}”."
        if _is_htmx(request):
            return _render_card(request, session, shown, revealed=request.POST.get("revealed") == "1", notice=notice)
        messages.info(request, notice)
        return redirect("study:session", session_uuid=session.uuid)
    apply_mark, message = MARK_ACTIONS[action]
    apply_mark(request.user, card)
    return _next_or_summary(request, session, notice=message.format(card_excerpt(card)))


@login_required
@require_POST
def finish(request, session_uuid):
    session = session_for_learner(request.user, session_uuid)
    services.study_session_finish(session=session)
    return _to_summary(request, session)


@login_required
@require_GET
def session_summary(request, session_uuid):
    session = session_for_learner(request.user, session_uuid)
    context = {
        "session": session,
        "summary": selectors.session_summary(session),
        "can_undo": selectors.session_answered_count(session) > 0,
        "outlook": _outlook(session),
        "study_more": [
            (kind, StudySession.Kind(kind).label, count)
            for kind, count in study_more_offers(learner=request.user, deck=session.deck, now=timezone.now()).items()
        ],
    }
    return render(request, "study/summary.html", context)


@login_required
@require_POST
def study_more(request, deck_uuid):
    """Start a "study more" session of the deck (extra new cards, review ahead, forgotten cards)."""
    deck = deck_for_study(request.user, deck_uuid)
    form = StudyMoreForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose extra new cards, review ahead or forgotten cards.", status=400)
    session = study_more_start(learner=request.user, deck=deck, kind=form.cleaned_data["kind"], now=timezone.now())
    return redirect("study:session", session_uuid=session.uuid)


@login_required
@require_GET
def history(request):
    """The signed-in learner's own recent answers (never anyone else's)."""
    return render(request, "study/history.html", {"logs": page_of(request, selectors.learner_history(learner=request.user))})
