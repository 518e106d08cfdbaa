"""The cohort's mastery settings, on its dashboard: the exam date that sets the horizon, and the target below which a card is at risk."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from apps.accounts.models import Cohort

MAX_EXAM_DAYS_AHEAD = 3 * 366


class CohortMasterySettingsForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["exam_date", "target_recall"]
        labels = {"exam_date": "Exam date", "target_recall": "Target mastery (0.50-0.99)"}
        widgets = {
            "exam_date": forms.DateInput(attrs={"type": "date"}),
            "target_recall": forms.NumberInput(attrs={"step": "0.01", "min": "0.5", "max": "0.99"}),
        }

    def clean_exam_date(self):
        exam_date = self.cleaned_data["exam_date"]
        today = timezone.localdate()
        if exam_date is not None and not today <= exam_date <= today + timedelta(days=MAX_EXAM_DAYS_AHEAD):
            raise forms.ValidationError(f"The exam date must be between today and {MAX_EXAM_DAYS_AHEAD // 366} years ahead.")
        return exam_date
