"""The browser page as a signed-in user meets it: search, sortable columns, pages, and what strangers cannot see."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from apps.browser.query_parser import MAX_QUERY_CHARS
from apps.cards.services import card_create, deck_create
from apps.study.mark_services import card_flag, card_suspend
from tests.apps.browser.conftest import studied

pytestmark = pytest.mark.django_db

BROWSE = reverse("browser:browse")


def fronts(response) -> list[str]:
    """The sort-field cells of the result table, in order, as text."""
    html = response.content.decode()
    rows = re.findall(r'<input type="checkbox" name="cards" value="[^"]+"[^>]*></td>\s*<td>(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in rows]


def test_the_nav_links_to_the_browser(owner, web_client_for):
    assert f'href="{BROWSE}"' in web_client_for(owner).get(reverse("cards:deck_list")).content.decode()


def test_the_browser_lists_the_viewers_cards_and_public_ones_never_a_strangers(owner, other_learner, collection, public_deck, web_client_for):
    assert set(fronts(web_client_for(owner).get(BROWSE))) >= {"hola", "comer", "ser", "le chat"}
    strangers = web_client_for(other_learner).get(BROWSE)
    assert strangers.status_code == 200
    assert "hola" not in strangers.content.decode() and "Languages::Spanish" not in strangers.content.decode()
    assert set(fronts(strangers)) == set(public_deck.cards.values_list("front", flat=True))


def test_a_search_shows_its_cards_with_their_columns(owner, collection, web_client_for):
    studied(owner, collection.cards["ser"], due_in=-timedelta(hours=2), interval=timedelta(days=12), reps=7, lapses=2)
    card_suspend(learner=owner, cards=collection.cards["ser"])
    card_flag(learner=owner, cards=collection.cards["ser"], flag=1)
    response = web_client_for(owner).get(BROWSE, {"q": "deck:Languages::Spanish::Verbs tag:core"})
    html = response.content.decode()
    assert response.status_code == 200
    assert fronts(response) == ["ser"]
    assert "1 card found" in html
    row = html[html.index('name="cards"') :]
    for shown in ("12 d", "<td>7</td>", "<td>2</td>", "Languages::Spanish::Verbs", "Basic", "suspended", "Red flag", "Card 1"):
        assert shown in row, shown


def test_card_text_is_rendered_and_sanitised(owner, web_client_for):
    deck = deck_create(owner=owner, title="Markup")
    card_create(deck=deck, front="**bold** <script>alert(1)</script><img src=x onerror=alert(2)>", back="b", tags=[])
    html = web_client_for(owner).get(BROWSE, {"q": "bold"}).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html and "onerror" not in html


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("sort_field", "asc", ["comer", "hola", "le chat", "ser"]),
        ("sort_field", "desc", ["ser", "le chat", "hola", "comer"]),
        ("due", "asc", ["comer", "ser", "hola", "le chat"]),
        ("due", "desc", ["hola", "ser", "comer", "le chat"]),
        ("interval", "desc", ["hola", "comer", "ser", "le chat"]),
        ("reviews", "desc", ["ser", "comer", "hola", "le chat"]),
        ("lapses", "desc", ["comer", "le chat", "ser", "hola"]),
        ("difficulty", "asc", ["comer", "hola", "ser", "le chat"]),
        ("deck", "asc", ["le chat", "hola", "comer", "ser"]),
        ("created", "desc", ["le chat", "ser", "comer", "hola"]),
    ],
)
def test_every_column_sorts_both_ways(owner, collection, web_client_for, sort, order, expected):
    cards = collection.cards
    studied(owner, cards["hola"], due_in=timedelta(days=9), interval=timedelta(days=30), reps=2)
    studied(owner, cards["comer"], due_in=-timedelta(days=1), interval=timedelta(days=3), reps=4, lapses=3)
    studied(owner, cards["ser"], due_in=timedelta(hours=1), interval=timedelta(days=1), reps=9)
    for state, difficulty in ((cards["hola"].states.get(), 4.0), (cards["comer"].states.get(), 2.0), (cards["ser"].states.get(), 8.0)):
        state.difficulty = difficulty
        state.save(update_fields=["difficulty"])
    response = web_client_for(owner).get(BROWSE, {"q": "-note:Cloze", "sort": sort, "order": order})
    assert fronts(response) == expected
    assert 'aria-sort="' + ("descending" if order == "desc" else "ascending") + '"' in response.content.decode()


def test_note_type_sorts(owner, collection, web_client_for):
    assert fronts(web_client_for(owner).get(BROWSE, {"sort": "note_type", "order": "desc"}))[0] == "[...] is in France"


def test_pages_keep_the_search_and_the_sort(owner, web_client_for):
    deck = deck_create(owner=owner, title="Many")
    for index in range(55):
        card_create(deck=deck, front=f"card {index:02d}", back="b", tags=[])
    client = web_client_for(owner)
    first = client.get(BROWSE, {"q": "card", "sort": "sort_field", "order": "desc"})
    assert len(fronts(first)) == 50 and fronts(first)[0] == "card 54"
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    second = client.get(BROWSE + "?" + next_link)
    assert fronts(second) == ["card 04", "card 03", "card 02", "card 01", "card 00"]


def many_cards(owner, count: int = 55) -> None:
    deck = deck_create(owner=owner, title="Many")
    for index in range(count):
        card_create(deck=deck, front=f"card {index:02d}", back="b", tags=[])


@pytest.mark.parametrize(
    "parameters",
    [
        {"q": "card", "sort": "sort_field", "order": "desc"},  # sorted by a column: counted with the page
        {"q": "card is:new", "order": "desc"},  # a word of the searcher's states: counted with the page
        {"q": "card", "order": "desc"},  # by creation: counted on its own
        {"order": "desc"},  # no words
    ],
)
def test_every_page_counts_the_whole_search_and_a_page_past_the_last_shows_the_last(owner, web_client_for, parameters):
    many_cards(owner)
    client = web_client_for(owner)
    for page in ("1", "2"):
        html = client.get(BROWSE, {**parameters, "page": page}).content.decode()
        assert "55 cards found" in html and f"Page {page} of 2 · 55 in all" in html
    assert len(fronts(client.get(BROWSE, parameters))) == 50
    last = ["card 04", "card 03", "card 02", "card 01", "card 00"]
    assert fronts(client.get(BROWSE, {**parameters, "page": "2"})) == last
    for past_the_end in ("3", "99999999999999999999", "0", "-1"):
        response = client.get(BROWSE, {**parameters, "page": past_the_end})
        assert fronts(response) == last and "Page 2 of 2 · 55 in all" in response.content.decode()
    for not_a_number in ("x", "1.5", ""):
        assert fronts(client.get(BROWSE, {**parameters, "page": not_a_number}))[0] == "card 54"


@pytest.mark.parametrize("q", ["nothing-here", "nothing-here is:new", "nothing-here prop:reps>1"])
def test_a_search_that_finds_nothing_says_so(owner, collection, web_client_for, q):
    for page in ("1", "2"):
        html = web_client_for(owner).get(BROWSE, {"q": q, "sort": "due", "page": page}).content.decode()
        assert "0 cards found" in html and "No cards match this search." in html


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"q": "colour:red"}, "Unknown search word “colour:”"),
        ({"q": "(unclosed"}, "ends too soon"),
        ({"q": "x" * (MAX_QUERY_CHARS + 1)}, f"at most {MAX_QUERY_CHARS}"),
        ({"sort": "password"}, "Select a valid choice"),
        ({"order": "sideways"}, "Select a valid choice"),
    ],
)
def test_a_bad_search_says_why_and_shows_no_cards(owner, collection, web_client_for, parameters, message):
    response = web_client_for(owner).get(BROWSE, parameters)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert fronts(response) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(BROWSE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(reverse("browser:bulk_action"), {"action": "suspend"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
