"""The study forms: the answer posted from the study page (one per card shown, with its own log UUID), presets."""

from django import forms

from apps.study.models import DEFAULT_PRESET_NAME, CardMark, StudyLog, StudyPreset, StudySession
from apps.study.presets import steps_parse
from apps.study.services import MAX_RESPONSE_MS


class AnswerForm(forms.Form):
    shown = forms.UUIDField(widget=forms.HiddenInput)
    log_uuid = forms.UUIDField(widget=forms.HiddenInput)
    grade = forms.TypedChoiceField(choices=StudyLog.Grade.choices, coerce=int)
    response_ms = forms.IntegerField(required=False, min_value=0, max_value=MAX_RESPONSE_MS, widget=forms.HiddenInput)


class StudyPresetForm(forms.ModelForm):
    """A deck options preset; steps in Anki's syntax, checked with ``steps_parse``. The Default preset keeps its name."""

    class Meta:
        model = StudyPreset
        fields = ["name", "new_per_day", "reviews_per_day", "learning_steps", "relearning_steps", "target_retention"]

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        if self.instance.pk is not None and self.instance.name == DEFAULT_PRESET_NAME:
            self.fields["name"].disabled = True

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = StudyPreset.objects.filter(owner=self.owner, name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"You already have a preset called “{name}”.")
        return name

    def _clean_steps(self, field: str) -> str:
        try:
            steps_parse(self.cleaned_data[field])
        except ValueError as problem:
            raise forms.ValidationError(str(problem).capitalize() + ".") from None
        return " ".join(self.cleaned_data[field].lower().split())

    def clean_learning_steps(self) -> str:
        return self._clean_steps("learning_steps")

    def clean_relearning_steps(self) -> str:
        return self._clean_steps("relearning_steps")


class DeckPresetForm(forms.Form):
    """The preset a deck uses, among its owner's."""

    preset = forms.ModelChoiceField(queryset=None, to_field_name="uuid", empty_label=None)

    def __init__(self, *args, presets, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].queryset = presets


class MarkForm(forms.Form):
    """Bury, suspend or flag the card shown (``flag`` 0-7 for a flag: 0 takes it off)."""

    shown = forms.UUIDField()
    action = forms.ChoiceField(choices=[("bury", "Bury"), ("suspend", "Suspend"), ("flag", "Flag")])
    flag = forms.TypedChoiceField(choices=CardMark.Flag.choices, coerce=int, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "flag" and cleaned.get("flag") in (None, ""):
            raise forms.ValidationError("Choose a flag from 0 (none) to 7.")
        return cleaned


class StudyMoreForm(forms.Form):
    kind = forms.ChoiceField(choices=[choice for choice in StudySession.Kind.choices if choice[0]])
