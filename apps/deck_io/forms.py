"""The deck import upload form."""

from django import forms


class DeckImportForm(forms.Form):
    file = forms.FileField(help_text="A CSV or TSV file (front, back, tags), or an Anki package (.apkg, .colpkg) or collection file (collection.anki2).")
    title = forms.CharField(max_length=200, required=False, help_text="Leave empty to use the Anki deck's or the file's name.")
