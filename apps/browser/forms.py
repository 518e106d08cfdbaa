"""The browser's search form (the query, its sort column and order) and its bulk-action form."""

import uuid

from django import forms

from apps.browser.query_parser import MAX_QUERY_CHARS
from apps.browser.selectors import COLUMNS, DEFAULT_SORT
from apps.cards.content import parse_tags
from apps.cards.selectors import owned_decks
from apps.study.models import CardMark

MAX_BULK_CARDS = 500
TAGS_MAX_CHARS = 500


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=MAX_QUERY_CHARS, strip=True)
    sort = forms.ChoiceField(choices=[(key, column.label) for key, column in COLUMNS.items()], required=False)
    order = forms.ChoiceField(choices=[("asc", "Ascending"), ("desc", "Descending")], required=False)

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or DEFAULT_SORT

    def clean_order(self) -> str:
        return self.cleaned_data["order"] or "asc"


class CardIdsField(forms.Field):
    """The ticked cards' UUIDs (``cards`` repeated), at most MAX_BULK_CARDS of them."""

    widget = forms.MultipleHiddenInput

    def clean(self, value) -> list[uuid.UUID]:
        value = [item for item in (value or []) if item]
        if not value:
            raise forms.ValidationError("Tick at least one card.")
        if len(value) > MAX_BULK_CARDS:
            raise forms.ValidationError(f"At most {MAX_BULK_CARDS} cards at once; {len(value)} were ticked.")
        try:
            return [uuid.UUID(item) for item in value]
        except ValueError:
            raise forms.ValidationError("A ticked card's id is not a card id.") from None


class BulkActionForm(forms.Form):
    """What to do with the ticked cards; each action's own field is required with it."""

    ACTIONS = [
        ("suspend", "Suspend"), ("unsuspend", "Unsuspend"), ("bury", "Bury until tomorrow"), ("unbury", "Unbury"), ("flag", "Set flag"),
        ("add_tags", "Add tags"), ("remove_tags", "Remove tags"), ("move", "Move to deck"), ("delete", "Delete notes"),
    ]

    cards = CardIdsField()
    action = forms.ChoiceField(choices=ACTIONS)
    flag = forms.TypedChoiceField(choices=CardMark.Flag.choices, coerce=int, required=False, empty_value=None)
    tags = forms.CharField(required=False, max_length=TAGS_MAX_CHARS, help_text="Separated by commas or spaces.")
    deck = forms.ModelChoiceField(queryset=None, to_field_name="uuid", required=False, empty_label="(choose a deck)")
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deck"].queryset = owned_decks(user)

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action == "flag" and data.get("flag") is None:
            self.add_error("flag", "Choose the flag to set (or “No flag” to take flags off).")
        if action in ("add_tags", "remove_tags"):
            try:
                data["tags"] = parse_tags(data.get("tags") or "")
            except ValueError as error:
                self.add_error("tags", str(error).capitalize() + ".")
            else:
                if not data["tags"]:
                    self.add_error("tags", "Write the tags to add or remove.")
        if action == "move" and data.get("deck") is None and "deck" not in self.errors:
            self.add_error("deck", "Choose the deck to move the cards to.")
        return data
