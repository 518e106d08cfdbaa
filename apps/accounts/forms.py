from django import forms

from apps.accounts.models import LearnerSettings
from apps.accounts.selectors import user_by_username


class LearnerSettingsForm(forms.ModelForm):
    class Meta:
        model = LearnerSettings
        fields = ["new_cards_per_day", "reviews_per_day", "cards_per_session", "target_retention"]


class CohortForm(forms.Form):
    name = forms.CharField(max_length=200)


class LearnerForm(forms.Form):
    """A learner picked by user name (to add to a cohort, or to take out of it)."""

    username = forms.CharField(max_length=150, label="Learner's user name")

    def clean_username(self):
        user = user_by_username(self.cleaned_data["username"].strip())
        if user is None:
            raise forms.ValidationError("No such user.")
        return user


class DeckChoiceForm(forms.Form):
    """One deck among ``decks`` (addressed by uuid)."""

    deck = forms.ModelChoiceField(queryset=None, to_field_name="uuid", empty_label=None)

    def __init__(self, *args, decks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deck"].queryset = decks
