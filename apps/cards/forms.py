"""Deck and card forms for owners editing in the browser."""

from django import forms

from apps.cards.content import parse_tags
from apps.cards.models import Deck


class DeckForm(forms.ModelForm):
    class Meta:
        model = Deck
        fields = ["title", "description", "visibility"]


class CardForm(forms.Form):
    front = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown; shown first.")
    back = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown; revealed on Space or Enter.")
    tags = forms.CharField(required=False, help_text="Concept tags separated by commas, e.g. geography, capitals.")

    def clean_tags(self) -> list[str]:
        try:
            return parse_tags(self.cleaned_data["tags"], ",")
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
