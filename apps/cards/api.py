"""API endpoint: the decks the token's user may study, a page at a time."""

from django.http import JsonResponse

from apps.accounts.api_auth import ApiError, api_endpoint
from apps.cards.selectors import deck_list_for
from apps.pagination import PageRefused, api_page_of


@api_endpoint("GET")
def deck_list(request):
    try:
        page, pagination = api_page_of(request, deck_list_for(request.user))
    except PageRefused as refusal:
        raise ApiError(str(refusal)) from None
    decks = [
        {
            "id": str(deck.uuid),
            "title": deck.title,
            "description": deck.description,
            "visibility": deck.visibility,
            "owned": deck.owner_id == request.user.pk,
            "card_count": deck.card_count,
        }
        for deck in page
    ]
    return JsonResponse({"decks": decks, **pagination})
