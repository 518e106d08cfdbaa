from django import forms

from apps.accounts.models import LearnerSettings


class LearnerSettingsForm(forms.ModelForm):
    class Meta:
        model = LearnerSettings
        fields = ["new_cards_per_day", "reviews_per_day", "cards_per_session", "target_retention"]
