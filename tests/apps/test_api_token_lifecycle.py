"""API tokens expire, and their owner lists and revokes them on the settings page."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create


def _api(raw_key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")


def test_a_token_stops_working_when_it_expires(owner, settings):
    raw_key = api_token_create(user=owner)
    token = ApiToken.objects.get(user=owner)
    assert abs(token.expires_at - token.created_at - timedelta(days=settings.MNEMO_API_TOKEN_DAYS)) < timedelta(seconds=5)
    assert _api(raw_key).get(reverse("api:deck_list")).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _api(raw_key).get(reverse("api:deck_list"))
    assert response.status_code == 401 and "authentication required" in response.json()["error"]


def test_the_token_endpoint_says_when_tokens_expire(owner, password, post_json, settings):
    response = post_json(Client(), reverse("api:token_create"), {"username": "owner", "password": password})
    assert response.status_code == 201 and response.json()["expires_in_days"] == settings.MNEMO_API_TOKEN_DAYS


def test_the_owner_lists_and_revokes_their_tokens(owner, web_client_for):
    kept, revoked = api_token_create(user=owner), api_token_create(user=owner)
    client = web_client_for(owner)
    page = client.get(reverse("accounts:settings")).content.decode()
    revoke_urls = re.findall(r'action="(/accounts/settings/tokens/[0-9a-f-]+/revoke/)"', page)
    assert len(revoke_urls) == 2
    newest = ApiToken.objects.order_by("-created_at", "-id").first()
    assert revoke_urls[0] == reverse("accounts:token_revoke", kwargs={"token_uuid": newest.uuid})
    assert client.post(revoke_urls[0]).status_code == 302
    assert _api(revoked).get(reverse("api:deck_list")).status_code == 401
    assert _api(kept).get(reverse("api:deck_list")).status_code == 200
    assert len(re.findall(r"/tokens/[0-9a-f-]+/revoke/", client.get(reverse("accounts:settings")).content.decode())) == 1
