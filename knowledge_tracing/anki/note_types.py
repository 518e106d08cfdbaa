"""Note types as Anki has them, the five built-in ones, and which cards a note generates.

A note type names its fields (in order) and its card templates (in order); a standard
type generates one card per template whose question side shows a non-empty field, a
cloze type one card per cloze number found in the note's fields (rslib/src/notetype/
cardgen.rs). A card is known by its ordinal, as Anki's ``card.ord``: its template's
position, or its cloze number - 1.

The built-in types are Anki's stock note types, with Anki's names, field names,
template names and templates (rslib/src/notetype/stock.rs), so a note of Mnemo's
"Basic" is a note of Anki's "Basic".
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from knowledge_tracing.anki import cloze
from knowledge_tracing.anki.records import NoteType
from knowledge_tracing.anki.templates import SPECIAL_FIELDS, RenderedCard, field_is_empty, front_is_empty, render_card

STANDARD, CLOZE = "standard", "cloze"
MAX_FIELDS = 100
MAX_TEMPLATES = 100
MAX_NAME_CHARS = 200
GUID_ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_`{|}~"

DEFAULT_CSS = """.card {
    font-family: arial;
    font-size: 20px;
    line-height: 1.5;
    text-align: center;
    color: black;
    background-color: white;
}
"""
CLOZE_CSS = """.cloze {
    font-weight: bold;
    color: blue;
}
.nightMode .cloze {
    color: lightblue;
}
"""


@dataclass(frozen=True)
class CardTemplate:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteTypeSpec:
    """A note type as plain data: what rendering and card generation need."""

    name: str
    kind: str
    fields: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    css: str = DEFAULT_CSS

    def problems(self) -> list[str]:
        """Why this note type cannot be used (empty when it can): names, counts and a cloze type's single template."""
        found = []
        if not self.name.strip() or len(self.name) > MAX_NAME_CHARS:
            found.append(f"a note type needs a name of 1 to {MAX_NAME_CHARS} characters")
        if self.kind not in (STANDARD, CLOZE):
            found.append(f"unknown kind {self.kind!r}: a note type is {STANDARD!r} or {CLOZE!r}")
        if not 1 <= len(self.fields) <= MAX_FIELDS:
            found.append(f"a note type has 1 to {MAX_FIELDS} fields (this one has {len(self.fields)})")
        if not 1 <= len(self.templates) <= MAX_TEMPLATES:
            found.append(f"a note type has 1 to {MAX_TEMPLATES} card templates (this one has {len(self.templates)})")
        if self.kind == CLOZE and len(self.templates) != 1:
            found.append("a cloze note type has exactly one card template")
        for label, names in (("field", self.fields), ("card template", [template.name for template in self.templates])):
            for name in names:
                if not _usable_name(name):
                    found.append(f"{label} name {name[:40]!r}: 1 to {MAX_NAME_CHARS} characters, without : \" {{ }}, not starting with # / ^")
            if len({name.casefold() for name in names}) != len(names):
                found.append(f"two {label}s share a name")
        return found

    def field_map(self, values: Sequence[str]) -> dict[str, str]:
        if len(values) != len(self.fields):
            raise ValueError(f"note type {self.name!r} has {len(self.fields)} fields, the note gives {len(values)}")
        return dict(zip(self.fields, values))


def _usable_name(name: str) -> bool:
    """Anki's rule for field and template names: they must not break ``{{...}}``, ``{{#...}}`` or ``{{a:b}}``."""
    stripped = name.strip()
    return 0 < len(stripped) <= MAX_NAME_CHARS and not any(mark in stripped for mark in ':"{}') and stripped[0] not in "#/^"


def _basic_back(shown: str) -> str:
    return f"{{{{FrontSide}}}}\n\n<hr id=answer>\n\n{{{{{shown}}}}}"


BASIC = NoteTypeSpec(
    name="Basic",
    kind=STANDARD,
    fields=("Front", "Back"),
    templates=(CardTemplate("Card 1", "{{Front}}", _basic_back("Back")),),
)
BASIC_AND_REVERSED = NoteTypeSpec(
    name="Basic (and reversed card)",
    kind=STANDARD,
    fields=("Front", "Back"),
    templates=(CardTemplate("Card 1", "{{Front}}", _basic_back("Back")), CardTemplate("Card 2", "{{Back}}", _basic_back("Front"))),
)
BASIC_OPTIONAL_REVERSED = NoteTypeSpec(
    name="Basic (optional reversed card)",
    kind=STANDARD,
    fields=("Front", "Back", "Add Reverse"),
    templates=(
        CardTemplate("Card 1", "{{Front}}", _basic_back("Back")),
        CardTemplate("Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", _basic_back("Front")),
    ),
)
BASIC_TYPE_ANSWER = NoteTypeSpec(
    name="Basic (type in the answer)",
    kind=STANDARD,
    fields=("Front", "Back"),
    templates=(CardTemplate("Card 1", "{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}"),),
)
CLOZE_TYPE = NoteTypeSpec(
    name="Cloze",
    kind=CLOZE,
    fields=("Text", "Back Extra"),
    templates=(CardTemplate("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),),
    css=DEFAULT_CSS + CLOZE_CSS,
)

BUILTIN_NOTE_TYPES: dict[str, NoteTypeSpec] = {
    spec.name: spec for spec in (BASIC, BASIC_AND_REVERSED, BASIC_OPTIONAL_REVERSED, BASIC_TYPE_ANSWER, CLOZE_TYPE)
}


def note_type_spec(note_type: NoteType) -> NoteTypeSpec:
    """The spec (what rendering needs) of a note type as the reader gives it."""
    return NoteTypeSpec(
        name=note_type.name, kind=note_type.kind, fields=note_type.fields, css=note_type.css,
        templates=tuple(CardTemplate(template.name, template.front, template.back) for template in note_type.templates),
    )


def card_name(kind: str, template_names: Mapping[int, str], ordinal: int) -> str:
    """What Anki's browser calls a card: its template's name ("Card 2"), or "Cloze 3" for a cloze note's card.

    ``template_names`` maps a template's position to its name.
    """
    if kind == CLOZE:
        return f"Cloze {ordinal + 1}"
    return template_names.get(ordinal, f"Card {ordinal + 1}")


def special_field_values(*, note_type: NoteTypeSpec, card_ordinal: int, tags: Iterable[str] = (), deck: str = "") -> dict[str, str]:
    """Tags, Type, Card, Deck and Subdeck as Anki fills them for a card (no flags or card ids in Mnemo)."""
    template = note_type.templates[0 if note_type.kind == CLOZE else card_ordinal]
    return {
        "Tags": " ".join(tags),
        "Type": note_type.name,
        "Card": template.name,
        "Deck": deck,
        "Subdeck": deck.rsplit("::", 1)[-1],
        "CardFlag": "",
        "CardID": "",
    }


def generated_ordinals(note_type: NoteTypeSpec, values: Sequence[str], *, tags: Iterable[str] = ()) -> list[int]:
    """The ordinals of the cards the note has: templates whose question shows a non-empty field, or its cloze numbers."""
    fields = note_type.field_map(values)
    if note_type.kind == CLOZE:
        numbers = set().union(*(cloze.cloze_numbers(value) for value in values))
        return sorted({cloze.cloze_card_ordinal(number) for number in numbers})
    nonempty = {name for name, value in fields.items() if not field_is_empty(value)}
    tags = list(tags)
    # As in Anki, a special field counts as filled unless a note field has its name (Tags only when the note has tags).
    nonempty |= {name for name in SPECIAL_FIELDS if name not in fields and name != "FrontSide" and (name != "Tags" or tags)}
    return [ordinal for ordinal, template in enumerate(note_type.templates) if not front_is_empty(template.front, nonempty)]


def render_note_card(
    note_type: NoteTypeSpec, values: Sequence[str], card_ordinal: int, *, tags: Iterable[str] = (), deck: str = ""
) -> RenderedCard:
    """The card of the note with ``card_ordinal``, rendered from its template and fields."""
    template = note_type.templates[0 if note_type.kind == CLOZE else card_ordinal]
    tags = list(tags)
    return render_card(
        front_template=template.front,
        back_template=template.back,
        fields=note_type.field_map(values),
        card_ordinal=card_ordinal,
        special=special_field_values(note_type=note_type, card_ordinal=card_ordinal, tags=tags, deck=deck),
    )


def guid_for_number(number: int) -> str:
    """``number`` written in Anki's base-91 alphabet, as Anki writes a note's guid."""
    digits = []
    while True:
        number, digit = divmod(number, len(GUID_ALPHABET))
        digits.append(GUID_ALPHABET[digit])
        if number == 0:
            return "".join(reversed(digits))


def new_guid() -> str:
    """A fresh note guid: 64 random bits in base 91, as Anki makes them."""
    return guid_for_number(secrets.randbits(64))
