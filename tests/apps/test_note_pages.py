"""Note and deck-tree pages as an owner uses them: add a cloze note, edit it, confirm removing a card, see the tree."""

import re
import uuid

import pytest
from django.urls import reverse

from apps.cards.models import Card, Deck, Note
from apps.cards.note_services import note_create, note_type_builtin, note_type_create
from apps.cards.services import card_create, deck_create
from apps.study.models import StudyLog
from apps.study.services import shown_card_choose_next, study_log_record
from knowledge_tracing.anki.note_types import CardTemplate, NoteTypeSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def deck(owner):
    return deck_create(owner=owner, title="Geography")


def add_note(client, deck, note_type_name: str, *values: str, tags: str = ""):
    note_type = note_type_builtin(name=note_type_name)
    data = {"note_type": str(note_type.uuid), "deck": str(deck.uuid), "tags": tags}
    data.update({f"field_{position}": value for position, value in enumerate(values)})
    return client.post(reverse("cards:note_add", kwargs={"deck_uuid": deck.uuid}) + f"?note_type={note_type.uuid}", data)


def edit_note(client, note, *values: str, **extra):
    data = {f"field_{position}": value for position, value in enumerate(values)}
    return client.post(reverse("cards:note_edit", kwargs={"note_uuid": note.uuid}), {"tags": "", **data, **extra})


def live_ordinals(note) -> list[int]:
    return sorted(Card.objects.filter(note=note).values_list("ord", flat=True))


def test_the_add_page_offers_every_builtin_type_and_shows_the_chosen_types_fields(owner, deck, web_client_for):
    client = web_client_for(owner)
    page = client.get(reverse("cards:note_add", kwargs={"deck_uuid": deck.uuid})).content.decode()
    for name in ("Basic", "Basic (and reversed card)", "Basic (optional reversed card)", "Basic (type in the answer)", "Cloze"):
        assert f">{name}</option>" in page.replace("&#x27;", "'")
    cloze = note_type_builtin(name="Cloze")
    page = client.get(reverse("cards:note_add", kwargs={"deck_uuid": deck.uuid}), {"note_type": cloze.uuid}).content.decode()
    assert ">Text:</label>" in page and ">Back Extra:</label>" in page and "{{c1::answer}}" in page
    assert client.get(reverse("cards:note_add", kwargs={"deck_uuid": deck.uuid}), {"note_type": "nonsense"}).status_code == 404


def test_a_cloze_note_added_edited_and_trimmed_keeps_its_cards_history(owner, deck, web_client_for):
    client = web_client_for(owner)
    response = add_note(client, deck, "Cloze", "{{c1::Lima}} is the capital of {{c2::Peru}}", "", tags="geo")
    assert response.status_code == 302
    note = Note.objects.get()
    assert live_ordinals(note) == [0, 1]
    deck_page = client.get(reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid})).content.decode()
    assert "Cloze 1" in deck_page and "Cloze 2" in deck_page and '<span class="cloze">[...]</span>' in deck_page

    shown = shown_card_choose_next(learner=owner, deck=deck)
    studied = shown.card
    log, _ = study_log_record(learner=owner, card=studied, log_uuid=uuid.uuid4(), grade=3, response_ms=800, shown_uuid=shown.uuid)

    edit_note(client, note, "{{c1::Lima}} is the capital of {{c2::Peru}}, in {{c3::South America}}", "")
    assert live_ordinals(note) == [0, 1, 2] and Card.objects.get(note=note, ord=studied.ord).pk == studied.pk
    assert "South America" in Card.objects.get(pk=studied.pk).front

    kept_cloze = 2 if studied.ord == 0 else 1  # take out the studied card's cloze, keep the others
    text = {0: "Lima is the capital of {{c2::Peru}}, in {{c3::South America}}", 1: "{{c1::Lima}} is the capital of Peru, in {{c3::South America}}"}
    asked = edit_note(client, note, text[studied.ord], "")
    assert asked.status_code == 409
    page = asked.content.decode()
    assert "Remove 1 card?" in page and f"Cloze {studied.ord + 1}" in page and "<td>1</td>" in page, "the card and its one answer are listed"
    assert 'name="confirm_removal" value="1"' in page
    assert live_ordinals(note) == [0, 1, 2], "nothing changes before the removal is confirmed"

    hidden_fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    confirmed = client.post(reverse("cards:note_edit", kwargs={"note_uuid": note.uuid}), hidden_fields)
    assert confirmed.status_code == 302
    assert live_ordinals(note) == sorted({kept_cloze - 1, 2})
    assert StudyLog.objects.get().pk == log.pk and StudyLog.objects.get().card_id == studied.pk


def test_a_note_that_makes_no_card_is_refused_with_the_reason(owner, deck, web_client_for):
    response = add_note(web_client_for(owner), deck, "Cloze", "no deletion at all", "")
    assert response.status_code == 400
    assert "a cloze note needs at least one cloze deletion" in response.content.decode()
    assert not Note.objects.exists()


def test_a_basic_card_edited_by_front_and_back_and_another_note_by_its_note_page(owner, deck, web_client_for):
    client = web_client_for(owner)
    basic = card_create(deck=deck, front="Capital of Peru?", back="Lima", tags=[])
    assert client.get(reverse("cards:card_edit", kwargs={"card_uuid": basic.uuid})).status_code == 200
    reversed_note = note_create(
        owner=owner, deck=deck, note_type=note_type_builtin(name="Basic (and reversed card)"), field_values=["comer", "to eat"], tags=[]
    )
    card = reversed_note.cards.get(ord=1)
    response = client.get(reverse("cards:card_edit", kwargs={"card_uuid": card.uuid}))
    assert response.url == reverse("cards:note_edit", kwargs={"note_uuid": reversed_note.uuid})

    client.post(reverse("cards:note_delete", kwargs={"note_uuid": reversed_note.uuid}))
    assert not Card.objects.filter(note=reversed_note).exists()


def test_the_study_page_keeps_the_renderers_markup_and_nothing_a_template_smuggles_in(owner, deck, web_client_for):
    hostile = NoteTypeSpec(
        name="Hostile", kind="standard", fields=("Front", "Back"),
        templates=(CardTemplate(
            "Card 1",
            '<script>alert(1)</script><img src="https://tracker.example/x.png" onerror="steal()">{{Front}}{{type:Back}}'
            '<span class="cloze" style="display:none" onclick="x()">s</span>',
            "{{FrontSide}}<hr id=answer>{{Back}}",
        ),),
    )
    note_create(owner=owner, deck=deck, note_type=note_type_create(owner=owner, spec=hostile), field_values=["Capital of Peru?", "Lima"], tags=[])
    client = web_client_for(owner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": deck.uuid})).url
    page = client.get(session_url).content.decode()
    card = page[page.index('id="study-card"'):page.index("session-actions")]

    assert "Capital of Peru?" in card and 'class="type-answer"' in card and '<span class="cloze">s</span>' in card
    assert "<script" not in card and "onerror" not in card and "tracker.example" not in card and "onclick" not in card


def test_a_typed_answer_card_has_a_text_box_in_front_and_the_expected_answer_behind(owner, deck, web_client_for):
    note_create(owner=owner, deck=deck, note_type=note_type_builtin(name="Basic (type in the answer)"), field_values=["Capital of Peru?", "Lima"], tags=[])
    client = web_client_for(owner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": deck.uuid})).url
    front = client.get(session_url).content.decode()
    assert '<input type="text" class="type-answer"' in front and "Lima" not in front
    back = client.get(session_url, {"reveal": "1"}).content.decode()
    assert '<code class="type-answer">Lima</code>' in back


def test_the_deck_list_shows_each_tree_nested_with_counts_that_include_the_decks_inside(owner, other_learner, web_client_for):
    verbs = deck_create(owner=owner, title="Languages::Spanish::Verbs", visibility="public")
    card_create(deck=verbs, front="hablar", back="to speak", tags=[])
    card_create(deck=Deck.objects.get(title="Languages"), front="idioma", back="language", tags=[])
    page = web_client_for(owner).get(reverse("cards:deck_list")).content.decode()

    languages = page[page.index('data-deck="Languages"'):]
    assert languages.index('data-deck="Languages::Spanish"') < languages.index('data-deck="Languages::Spanish::Verbs"')
    counts = r'\s*<span class="deck-counts" aria-label="{} new, 0 learning, 0 due">.*?</span></span>\s*'
    assert re.search(r">Languages</strong></a>" + counts.format(2) + r'<span class="muted">2 cards', page)
    assert re.search(r">Verbs</strong></a>" + counts.format(1) + r'<span class="muted">1 card ', page)

    strangers_page = web_client_for(other_learner).get(reverse("cards:deck_list")).content.decode()
    assert 'data-deck="Languages"' not in strangers_page and 'data-deck="Languages::Spanish"' not in strangers_page
    assert ">Languages::Spanish::Verbs</strong>" in strangers_page, "a public deck under private ones is listed by its full name"


def test_decks_are_created_with_their_parents_and_names_are_checked(owner, web_client_for):
    client = web_client_for(owner)
    client.post(reverse("cards:deck_create"), {"title": "Languages::Spanish::Verbs", "description": "", "visibility": "private"})
    assert sorted(Deck.objects.filter(owner=owner).values_list("title", flat=True)) == ["Languages", "Languages::Spanish", "Languages::Spanish::Verbs"]

    taken = client.post(reverse("cards:deck_create"), {"title": "languages", "description": "", "visibility": "private"})
    assert taken.status_code == 400 and "You already have a deck named “Languages”" in taken.content.decode()
    empty_part = client.post(reverse("cards:deck_create"), {"title": "A::::B", "description": "", "visibility": "private"})
    assert empty_part.status_code == 400 and "every part of a deck name" in empty_part.content.decode()

    spanish = Deck.objects.get(title="Languages::Spanish")
    client.post(reverse("cards:deck_edit", kwargs={"deck_uuid": spanish.uuid}), {"title": "Spanish", "description": "", "visibility": "private"})
    assert sorted(Deck.objects.filter(owner=owner).values_list("title", flat=True)) == ["Languages", "Spanish", "Spanish::Verbs"]


def test_deleting_a_parent_asks_with_the_decks_inside_listed(owner, web_client_for):
    deck_create(owner=owner, title="Languages::Spanish::Verbs")
    languages = Deck.objects.get(title="Languages")
    client = web_client_for(owner)
    page = client.get(reverse("cards:deck_delete", kwargs={"deck_uuid": languages.uuid})).content.decode()
    assert "the 2 decks inside it" in page and "Languages::Spanish::Verbs" in page

    client.post(reverse("cards:deck_delete", kwargs={"deck_uuid": languages.uuid}))
    assert not Deck.objects.filter(owner=owner).exists()


def test_editing_a_note_of_an_imported_type_says_what_its_templates_ask_for_and_lack(owner, deck, web_client_for):
    spec = NoteTypeSpec("Imported", "standard", ("Word",), (CardTemplate("Card 1", "{{Word}}", "{{FrontSide}}<hr id=answer>{{Meaning}}"),))
    note = note_create(owner=owner, deck=deck, note_type=note_type_create(owner=owner, spec=spec), field_values=["perro"], tags=[])
    client = web_client_for(owner)
    page = client.post(reverse("cards:note_edit", kwargs={"note_uuid": note.uuid}), {"field_0": "gato", "tags": ""}, follow=True)
    assert "Its templates: {{Meaning}}: there is no field called &#x27;Meaning&#x27;" in page.content.decode()
    assert Card.objects.get(note=note).front == "gato"
