"""The template renderer, placeholder by placeholder, and its bounds."""

import pytest

from knowledge_tracing.anki import cloze
from knowledge_tracing.anki.note_types import (
    BASIC,
    BASIC_AND_REVERSED,
    BASIC_OPTIONAL_REVERSED,
    BASIC_TYPE_ANSWER,
    CLOZE_TYPE,
    generated_ordinals,
    render_note_card,
)
from knowledge_tracing.anki.templates import (
    MAX_CONDITIONAL_NESTING,
    MAX_RENDERED_CHARS,
    MAX_TEMPLATE_CHARS,
    TemplateError,
    front_is_empty,
    parse_template,
    render_card,
)


def render(front: str, back: str = "{{FrontSide}}", fields=None, ordinal: int = 0, special=None):
    return render_card(front_template=front, back_template=back, fields=fields or {}, card_ordinal=ordinal, special=special)


def test_a_field_is_replaced_by_its_value_and_front_side_repeats_the_question():
    card = render("Q: {{Front}}", "{{FrontSide}}<hr id=answer>A: {{Back}}", {"Front": "hola", "Back": "hello"})

    assert card.question == "Q: hola"
    assert card.answer == "Q: hola<hr id=answer>A: hello"
    assert card.back == "A: hello"
    assert card.problems == ()


def test_the_back_without_an_answer_rule_leaves_the_front_side_out():
    card = render("{{Front}}", "{{FrontSide}}<br>{{Back}}", {"Front": "hola", "Back": "hello"})

    assert card.answer == "hola<br>hello"
    assert card.back == "hello"


def test_front_side_is_empty_on_the_question_side():
    assert render("{{FrontSide}}x{{Front}}", fields={"Front": "f"}).question == "xf"


def test_conditionals_show_their_content_when_the_field_is_filled_or_empty():
    template = "{{#Extra}}[{{Extra}}]{{/Extra}}{{^Extra}}no extra{{/Extra}}"

    assert render(template, fields={"Extra": "more"}).question == "[more]"
    assert render(template, fields={"Extra": " <br> "}).question == "no extra"


def test_text_filter_removes_html_and_hint_filter_hides_the_text_behind_a_summary():
    card = render("{{text:Front}}|{{hint:Front}}", fields={"Front": "<b>bold</b> &amp; <!-- note -->plain"})

    text, hint = card.question.split("|")
    assert text == "bold & plain"
    assert hint == '<details class="hint"><summary>Front</summary><b>bold</b> &amp; <!-- note -->plain</details>'


def test_filters_apply_from_the_field_outwards():
    """{{text:hint:F}}: hint first, then text removes the markup the hint made."""
    assert render("{{text:hint:F}}", fields={"F": "<i>x</i>"}).question == "Fx"


def test_cloze_filter_asks_the_card_number_and_shows_the_others():
    text = "{{c1::Madrid}} is the capital of {{c2::Spain::country}}"
    first = render("{{cloze:Text}}", "{{cloze:Text}}", {"Text": text}, ordinal=0)
    second = render("{{cloze:Text}}", "{{cloze:Text}}", {"Text": text}, ordinal=1)

    assert first.question == '<span class="cloze">[...]</span> is the capital of <span class="cloze-inactive">Spain</span>'
    assert first.answer == '<span class="cloze">Madrid</span> is the capital of <span class="cloze-inactive">Spain</span>'
    assert second.question == '<span class="cloze-inactive">Madrid</span> is the capital of <span class="cloze">[country]</span>'
    assert "Madrid" not in first.question and "Spain" not in second.question


def test_cloze_numbers_can_be_shared_and_nested():
    text = "{{c1,2::both}} and {{c3::outer {{c4::inner}}}}"

    assert cloze.cloze_numbers(text) == {1, 2, 3, 4}
    assert cloze.reveal_clozes(text, 2, question=True).startswith('<span class="cloze">[...]</span>')
    assert cloze.reveal_clozes(text, 3, question=True).endswith('<span class="cloze">[...]</span>')
    assert "outer" in cloze.reveal_clozes(text, 4, question=True)
    assert cloze.reveal_clozes(text, 5, question=True) == ""


def test_cloze_only_and_typed_cloze_answers():
    text = "{{c1::uno::one}}, {{c1::dos}}, {{c2::tres}}"

    assert cloze.cloze_only(text, 1, question=True) == "one, ..."
    assert cloze.cloze_only(text, 1, question=False) == "uno, dos"
    assert cloze.typed_cloze_answer("{{c1::a}} {{c1::a}}", 1) == "a"


def test_unclosed_and_stray_cloze_markers_stay_text():
    assert cloze.cloze_numbers("{{c1::open and }} stray }}") == {1}
    assert cloze.strip_clozes("{{c1::never closed") == "never closed"
    assert cloze.cloze_numbers("{{c0::zero}} {{c::none}}") == set()


def test_type_answer_is_an_input_on_the_front_and_the_expected_text_on_the_back():
    card = render_note_card(BASIC_TYPE_ANSWER, ["Capital of Peru?", "<b>Lima</b> & <i>more</i>"], 0)

    assert '<input type="text" class="type-answer"' in card.question
    assert "<script" not in card.question + card.answer
    assert card.back == '<code class="type-answer">Lima &amp; more</code>'


def test_typed_cloze_expects_the_asked_cloze():
    card = render("{{cloze:Text}}{{type:cloze:Text}}", "{{cloze:Text}}<hr id=answer>{{type:cloze:Text}}", {"Text": "{{c1::Lima}} {{c2::Peru}}"})

    assert card.back == '<code class="type-answer">Lima</code>'


def test_special_fields_and_card_number_conditionals():
    card = render(
        "{{Type}}/{{Card}}/{{Deck}}/{{Subdeck}}/{{Tags}}{{#c1}}/first{{/c1}}{{#c2}}/second{{/c2}}",
        special={"Type": "Basic", "Card": "Card 1", "Deck": "A::B", "Subdeck": "B", "Tags": "x y"},
    )

    assert card.question == "Basic/Card 1/A::B/B/x y/first"
    assert card.problems == ()


def test_a_note_field_named_like_a_special_field_wins():
    assert render("{{Tags}}", fields={"Tags": "mine"}, special={"Tags": "x"}).question == "mine"


def test_unknown_fields_and_filters_are_reported_not_executed():
    card = render("{{Missing}}|{{shout:Front}}|{{#Nope}}x{{/Nope}}", fields={"Front": "f"})

    assert card.question == "|f|"
    assert card.problems == (
        "{{Missing}}: there is no field called 'Missing'",
        "{{shout:Front}}: unknown filter 'shout' (left out)",
        "{{#Nope}}: there is no field called 'Nope'",
    )


def test_a_field_value_is_never_read_as_template():
    card = render("{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}", {"Front": "{{Back}} {{#Back}}", "Back": "secret"})

    assert card.question == "{{Back}} {{#Back}}"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{#A}}x", "{{#A}} is not closed"),
        ("x{{/A}}", "{{/A}} closes a conditional that is not open"),
        ("{{#A}}{{#B}}{{/A}}{{/B}}", "{{/A}} found where {{/B}} was expected"),
        ("{{#A}}" * (MAX_CONDITIONAL_NESTING + 1), f"nest at most {MAX_CONDITIONAL_NESTING} deep"),
        ("x" * (MAX_TEMPLATE_CHARS + 1), "at most 100,000 characters"),
    ],
)
def test_templates_that_cannot_be_read_raise_a_clear_error(template, message):
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("}", r"\}").replace("^", r"\^")):
        parse_template(template)


def test_a_side_that_grows_past_the_limit_is_refused_while_it_renders():
    with pytest.raises(TemplateError, match="the back renders to more than"):
        render("{{Front}}", "{{FrontSide}}" * 100, {"Front": "x" * (MAX_RENDERED_CHARS // 50)})


def test_front_is_empty_follows_ankis_rule():
    assert front_is_empty("Question: {{Front}}", set())
    assert not front_is_empty("Question: {{Front}}", {"Front"})
    assert front_is_empty("{{#Add}}{{Back}}{{/Add}}", {"Back"})
    assert not front_is_empty("{{#Add}}{{Back}}{{/Add}}", {"Back", "Add"})
    assert front_is_empty("{{^Back}}{{Back}}{{/Back}}", {"Back"})


def test_builtin_types_generate_the_cards_anki_generates():
    assert generated_ordinals(BASIC, ["f", "b"]) == [0]
    assert generated_ordinals(BASIC, ["", "b"]) == []
    assert generated_ordinals(BASIC_AND_REVERSED, ["f", "b"]) == [0, 1]
    assert generated_ordinals(BASIC_AND_REVERSED, ["f", ""]) == [0]
    assert generated_ordinals(BASIC_OPTIONAL_REVERSED, ["f", "b", ""]) == [0]
    assert generated_ordinals(BASIC_OPTIONAL_REVERSED, ["f", "b", "y"]) == [0, 1]
    assert generated_ordinals(CLOZE_TYPE, ["{{c3::a}} {{c1::b}}", "{{c7::in the extra field}}"]) == [0, 2, 6]
    assert generated_ordinals(CLOZE_TYPE, ["{{c900::far}}", ""]) == [499]


def test_reversed_card_swaps_the_fields():
    card = render_note_card(BASIC_AND_REVERSED, ["comer", "to eat"], 1)

    assert (card.question, card.back) == ("to eat", "comer")


def test_cloze_back_shows_the_extra_field():
    card = render_note_card(CLOZE_TYPE, ["{{c1::Lima}} is in Peru", "Since 1535"], 0)

    assert card.back == '<span class="cloze">Lima</span> is in Peru<br>\nSince 1535'
    assert render_note_card(CLOZE_TYPE, ["{{c1::Lima}} is in Peru", ""], 0).back == '<span class="cloze">Lima</span> is in Peru'
