"""API endpoint: the decks the token's user may study."""

from django.http import JsonResponse

from apps.accounts.api_auth import api_endpoint
from apps.cards.selectors import deck_list_for


@api_endpoint("GET")
def deck_list(request):
    decks = [
        {
            "id": str(deck.uuid),
            "title": deck.title,
            "description": deck.description,
            "visibility": deck.visibility,
            "owned": deck.owner_id == request.user.pk,
            "card_count": deck.card_count,
        }
        for deck in deck_list_for(request.user)
    ]
    return JsonResponse({"decks": decks})
