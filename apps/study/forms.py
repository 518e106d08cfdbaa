"""The answer form posted from the study page (one per card shown, with its own log UUID)."""

from django import forms

from apps.study.models import StudyLog
from apps.study.services import MAX_RESPONSE_MS


class AnswerForm(forms.Form):
    shown = forms.UUIDField(widget=forms.HiddenInput)
    log_uuid = forms.UUIDField(widget=forms.HiddenInput)
    grade = forms.TypedChoiceField(choices=StudyLog.Grade.choices, coerce=int)
    response_ms = forms.IntegerField(required=False, min_value=0, max_value=MAX_RESPONSE_MS, widget=forms.HiddenInput)
