"""The researcher's export request form: format, filters and optional columns, each checked."""

from datetime import datetime, time
from datetime import timezone as dt_timezone

from django import forms

from apps.accounts.models import Cohort
from apps.cards.models import Deck
from apps.research.models import ResearchExport
from apps.research.selectors import ExportFilters


def _start_of_day_utc(day) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=dt_timezone.utc) if day else None


class ExportRequestForm(forms.Form):
    format = forms.ChoiceField(choices=ResearchExport.Format.choices)
    answered_from = forms.DateField(required=False, help_text="First day (UTC) of answers to include.")
    answered_until = forms.DateField(required=False, help_text="Last day (UTC) of answers to include.")
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.order_by("name", "id"), to_field_name="uuid", required=False)
    deck = forms.UUIDField(required=False, help_text="The deck's UUID, to export only answers of that deck.")
    include_card_text = forms.BooleanField(required=False, label="Include card texts")
    include_predictions = forms.BooleanField(required=False, label="Include the recall predicted at show time and the model version")

    def clean_deck(self):
        deck_uuid = self.cleaned_data["deck"]
        if deck_uuid is None:
            return None
        deck = Deck.all_objects.filter(uuid=deck_uuid).first()
        if deck is None:
            raise forms.ValidationError("No deck has this UUID.")
        return deck

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("answered_from"), cleaned.get("answered_until")
        if first and last and last < first:
            raise forms.ValidationError("The last day comes before the first day.")
        return cleaned

    def export_filters(self) -> ExportFilters:
        last = self.cleaned_data["answered_until"]
        return ExportFilters(
            answered_from=_start_of_day_utc(self.cleaned_data["answered_from"]),
            answered_before=_start_of_day_utc(last.fromordinal(last.toordinal() + 1)) if last else None,
            cohort=self.cleaned_data["cohort"],
            deck=self.cleaned_data["deck"],
        )
