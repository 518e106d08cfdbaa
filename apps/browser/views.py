"""The card browser page: a search over the cards the viewer may see, sortable columns, a page at a time, and bulk actions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.browser.forms import BulkActionForm, SearchForm
from apps.browser.query_parser import QueryError
from apps.browser.search import card_search, reads_learner_records
from apps.browser.selectors import COLUMNS, DEFAULT_SORT, browser_page, sorted_cards
from apps.browser.services import bulk_action_run, bulk_cards
from apps.browser.time_limit import SEARCH_TIME_LIMIT_S, SearchTooSlow, search_time_limit
from apps.cards.bulk_services import BulkActionRefused


@login_required
def browse(request):
    return _browser_page(request, search=SearchForm(request.GET), bulk_form=BulkActionForm(user=request.user), page=request.GET.get("page"))


@login_required
@require_POST
def bulk_action(request):
    """Do the chosen action on the ticked cards, then return to the same search; deleting asks first."""
    form = BulkActionForm(request.POST, user=request.user)
    search = SearchForm(request.POST)
    if not form.is_valid():
        return _browser_page(request, search=search, bulk_form=form, page=request.POST.get("page"), status=400)
    action = form.cleaned_data["action"]
    cards = bulk_cards(user=request.user, action=action, card_uuids=form.cleaned_data["cards"])
    if action == "delete" and not form.cleaned_data["confirmed"]:
        notes = len({card.note_id for card in cards})
        context = {
            "cards": cards, "notes": notes, "search": _search_parameters(search), "page": request.POST.get("page", ""),
            "back_url": _browse_url(search, page=request.POST.get("page")),
        }
        return render(request, "browser/confirm_delete.html", context)
    try:
        done = bulk_action_run(user=request.user, action=action, cards=cards, data=form.cleaned_data)
    except BulkActionRefused as error:
        form.add_error(None, f"Nothing was changed: {error}.")
        return _browser_page(request, search=search, bulk_form=form, page=request.POST.get("page"), status=400)
    messages.success(request, done)
    return redirect(_browse_url(search, page=request.POST.get("page")))


def _search_parameters(search: SearchForm) -> dict[str, str]:
    """The search's parameters as they were sent (valid or not), to return to it."""
    return {name: search.data.get(name, "")[:2000] for name in ("q", "sort", "order") if search.data.get(name)}


def _browse_url(search: SearchForm, *, page=None) -> str:
    parameters = _search_parameters(search)
    if page and str(page).isdigit():
        parameters["page"] = page
    return reverse("browser:browse") + ("?" + urlencode(parameters) if parameters else "")


def _browser_page(request, *, search: SearchForm, bulk_form: BulkActionForm, page, status: int = 200):
    context = {"search": search, "bulk_form": bulk_form, "rows": [], "page": None, "columns": []}
    if search.is_valid():
        data = search.cleaned_data
        try:
            cards = card_search(data["q"], viewer=request.user)
            ordered = sorted_cards(cards, viewer=request.user, sort=data["sort"], descending=data["order"] == "desc")
            with search_time_limit():
                context["page"], context["rows"] = browser_page(
                    ordered, number=page, viewer=request.user, now=timezone.now(), count_with_page=_count_with_page(data["q"], data["sort"]),
                )
        except QueryError as error:
            search.add_error("q", str(error))
        except SearchTooSlow:
            search.add_error("q", f"This search took longer than {SEARCH_TIME_LIMIT_S} seconds and was stopped; narrow it, e.g. with deck: or tag:.")
        context["columns"] = _column_links(data.get("q", ""), data.get("sort"), data.get("order"))
        context["query"] = urlencode({key: value for key, value in (("q", data.get("q", "")), ("sort", data.get("sort")), ("order", data.get("order"))) if value})
    if search.errors or bulk_form.errors:
        status = 400
    return render(request, "browser/browse.html", context, status=status)


def _count_with_page(q: str, sort: str) -> bool:
    """Whether to count in the page's own query: when that query must read every card the search finds anyway.

    It must when it sorts by a column other than the card's creation (the id), or when
    the search reads the searcher's states or marks (SQLite builds that list for each
    query). Otherwise the page stops at its 50th card in id order and the count is the one
    full read; with no words the count is answered from an index. (Measured in
    docs/card-browser.md, "One pass and the collector".)
    """
    return bool(q.strip()) and (sort != DEFAULT_SORT or reads_learner_records(q))


def _column_links(q: str, sort: str, order: str) -> dict[str, dict]:
    """Each sortable column's header: its label, the link that sorts by it (again: the other way), and whether it is the sort."""
    links = {}
    for key, column in COLUMNS.items():
        next_order = "desc" if key == sort and order == "asc" else "asc"
        links[key] = {
            "label": column.label,
            "url": "?" + urlencode({**({"q": q} if q else {}), "sort": key, "order": next_order}),
            "active": key == sort,
            "arrow": ("▲" if order == "asc" else "▼") if key == sort else "",
        }
    return links
