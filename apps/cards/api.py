"""API endpoint: the decks the token's user may study, a page at a time."""

from typing import Annotated
from uuid import UUID

from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import WithJsonSchema

from apps.accounts.api_auth import ApiErrorOut
from apps.cards.models import Deck
from apps.cards.selectors import deck_list_for
from apps.pagination import PageRefused, api_page_of

router = Router(tags=["decks"])

# The schema documents which page numbers exist; api_page_of refuses the others with its own reason.
PageNumber = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[1-9][0-9]*$", "default": "1"})]


class DeckOut(Schema):
    id: UUID
    title: str
    description: str
    visibility: Deck.Visibility
    owned: bool
    card_count: int


class DeckPage(Schema):
    decks: list[DeckOut]
    page: int
    pages: int
    count: int
    next: str | None


@router.get(
    "/decks",
    response={200: DeckPage, 400: ApiErrorOut, 401: ApiErrorOut, 404: ApiErrorOut},
    url_name="deck_list",
    summary="List decks",
)
def deck_list(request, page: PageNumber = "1"):
    """The user's own decks and the public ones, 50 a page; ``next`` is the following page's URL."""
    try:
        decks, pagination = api_page_of(request, deck_list_for(request.user), raw=page)
    except PageRefused as refusal:
        raise HttpError(refusal.status, str(refusal)) from None
    rows = [
        {
            "id": deck.uuid,
            "title": deck.title,
            "description": deck.description,
            "visibility": deck.visibility,
            "owned": deck.owner_id == request.user.pk,
            "card_count": deck.card_count,
        }
        for deck in decks
    ]
    return {"decks": rows, **pagination}
