"""Every list a page or the API shows comes one page at a time: a list's length is up to its users, a page's is not."""

from django.core.paginator import EmptyPage, Page, Paginator

PAGE_SIZE = 50


def page_of(request, items, *, parameter: str = "page", per_page: int = PAGE_SIZE) -> Page:
    """The page the query string asks for (``?page=N``); a missing or bad number gives the first or last page."""
    return Paginator(items, per_page).get_page(request.GET.get(parameter))


class PageRefused(ValueError):
    """An API page number that is not a positive whole number (400), or one past the last page (404: no such page)."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def api_page_of(request, items, *, raw: str, per_page: int = PAGE_SIZE) -> tuple[Page, dict]:
    """Page ``raw`` (the query's ``page``) and its description for a JSON reply: ``page``, ``pages``, ``count``, ``next``.

    Unlike pages for people, a bad page number is refused (``PageRefused``) rather than guessed.
    """
    if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
        raise PageRefused(f"page must be a positive whole number, got {raw!r}")
    paginator = Paginator(items, per_page)
    try:
        page = paginator.page(int(raw))
    except EmptyPage:
        raise PageRefused(f"page {raw} is past the last page ({paginator.num_pages})", status=404) from None
    following = None
    if page.has_next():
        query = request.GET.copy()
        query["page"] = page.next_page_number()
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return page, {"page": page.number, "pages": paginator.num_pages, "count": paginator.count, "next": following}
