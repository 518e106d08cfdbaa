"""Deck and card forms for owners editing in the browser."""

from django import forms

from apps.cards.content import format_tags, parse_tags
from apps.cards.deck_names import DECK_NAME_MAX_CHARS, DeckNameError, deck_name
from apps.cards.models import Deck, NoteType
from apps.cards.rendering import CARD_TEXT_MAX_CHARS, card_text_problem


class DeckForm(forms.Form):
    """A deck's name (``Parent::Child`` puts it inside another deck), description and visibility; ``deck`` when editing one."""

    title = forms.CharField(
        label="Name",
        max_length=DECK_NAME_MAX_CHARS,
        help_text="Parent::Child puts the deck inside another (made when missing); a new name moves the deck "
        "with the decks inside it.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    visibility = forms.ChoiceField(choices=Deck.Visibility.choices, initial=Deck.Visibility.PRIVATE)

    def __init__(self, *args, owner, deck: Deck | None = None, **kwargs) -> None:
        if deck is not None:
            kwargs.setdefault("initial", {"title": deck.title, "description": deck.description, "visibility": deck.visibility})
        super().__init__(*args, **kwargs)
        self.owner, self.deck = owner, deck

    def clean_title(self) -> str:
        try:
            name = deck_name(self.cleaned_data["title"])
        except DeckNameError as error:
            raise forms.ValidationError(str(error)) from error
        taken = Deck.objects.filter(owner=self.owner, title__iexact=name).exclude(pk=self.deck.pk if self.deck else None).first()
        if taken is not None:
            raise forms.ValidationError(f"You already have a deck named “{taken.title}”.")
        return name


def _card_text_field(help_text: str) -> forms.CharField:
    """A side of a card: Markdown up to the renderer's limits (checked in ``clean``, with the reason)."""
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"{help_text} At most {CARD_TEXT_MAX_CHARS:,} characters.",
    )


class CardForm(forms.Form):
    front = _card_text_field("Markdown; shown first.")
    back = _card_text_field("Markdown; revealed on Space or Enter.")
    tags = forms.CharField(required=False, help_text="Concept tags separated by commas or spaces, e.g. geography, capitals.")

    def clean_front(self) -> str:
        return self._checked_text("front")

    def clean_back(self) -> str:
        return self._checked_text("back")

    def _checked_text(self, name: str) -> str:
        text = self.cleaned_data[name]
        problem = card_text_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text

    def clean_tags(self) -> list[str]:
        try:
            return parse_tags(self.cleaned_data["tags"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class NoteForm(forms.Form):
    """A note's fields (one text box per field of its type, ``field_0``, ``field_1``...), tags, and the deck of a new note.

    Field values are checked as card text is (size); which cards they make, and whether
    those fit, is checked by ``note_services`` when saving, with the reason.
    """

    tags = forms.CharField(required=False, help_text="Concept tags separated by commas or spaces, e.g. geography, capitals.")

    def __init__(self, *args, note_type: NoteType, decks=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.field_names = [field.name for field in note_type.note_fields.order_by("ord")]
        for position, name in enumerate(self.field_names):
            self.fields[f"field_{position}"] = forms.CharField(
                label=name, required=False, strip=False, max_length=CARD_TEXT_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.order_fields([*(f"field_{position}" for position in range(len(self.field_names))), "tags"])
        if decks is not None:
            self.fields["deck"] = forms.ModelChoiceField(queryset=decks, to_field_name="uuid", empty_label=None, help_text="Where its cards go.")
        if note_type.kind == NoteType.Kind.CLOZE:
            self.fields["field_0"].help_text = "Hide text as {{c1::answer}} or {{c1::answer::hint}}; each number is a card."

    def clean_tags(self) -> list[str]:
        try:
            return parse_tags(self.cleaned_data["tags"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def field_values(self) -> list[str]:
        return [self.cleaned_data[f"field_{position}"] for position in range(len(self.field_names))]

    @staticmethod
    def initial_for(note) -> dict:
        return {**{f"field_{position}": value for position, value in enumerate(note.field_values)}, "tags": format_tags(note.tags)}
