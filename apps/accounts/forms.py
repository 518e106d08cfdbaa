from django import forms

from apps.accounts.models import LearnerSettings
from apps.accounts.models import INVITE_CODE_LENGTH
from apps.accounts.services import MAX_INVITE_DAYS, MAX_INVITE_USES


WEEKDAYS = [(str(day), name) for day, name in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])]


class LearnerSettingsForm(forms.ModelForm):
    easy_days = forms.MultipleChoiceField(
        choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, required=False, label="Easy days (about half the reviews)"
    )

    class Meta:
        model = LearnerSettings
        fields = ["cards_per_session", "balance_workload", "easy_days"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["easy_days"] = list(self.instance.easy_days)

    def clean_easy_days(self) -> str:
        return "".join(sorted(set(self.cleaned_data["easy_days"])))


class CohortForm(forms.Form):
    name = forms.CharField(max_length=200)


class MemberForm(forms.Form):
    """One of the cohort's members (to take out of it); anyone else is not a valid choice."""

    username = forms.ModelChoiceField(queryset=None, to_field_name="username", label="Learner")

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].queryset = members


class InviteForm(forms.Form):
    valid_days = forms.IntegerField(min_value=1, max_value=MAX_INVITE_DAYS, initial=14, label="Valid for (days)")
    max_uses = forms.IntegerField(min_value=1, max_value=MAX_INVITE_USES, initial=30, label="Number of learners who may join with it")


class InviteChoiceForm(forms.Form):
    """One of the cohort's invites, by code."""

    invite = forms.ModelChoiceField(queryset=None, to_field_name="code")

    def __init__(self, *args, invites, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invite"].queryset = invites


class JoinCodeForm(forms.Form):
    code = forms.CharField(max_length=INVITE_CODE_LENGTH + 10, label="Join code")


class InviteNextStepForm(forms.Form):
    """What a signed-out visitor does with an invite: create an account (while sign-up is open) or sign in."""

    then = forms.ChoiceField(choices=[("account_signup", "Create an account and join"), ("login", "Sign in and join")])

    def __init__(self, *args, signup_open: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not signup_open:
            self.fields["then"].choices = [("login", "Sign in and join")]


class DeckChoiceForm(forms.Form):
    """One deck among ``decks`` (addressed by uuid)."""

    deck = forms.ModelChoiceField(queryset=None, to_field_name="uuid", empty_label=None)

    def __init__(self, *args, decks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deck"].queryset = decks
