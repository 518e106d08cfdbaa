"""The experiment form: a name and its arms (policy, model kind, weight) as a formset."""

from django import forms

from apps.experiments.models import Experiment
from apps.experiments.services import MAX_ARM_WEIGHT, MAX_ARMS, MIN_ARMS, ArmSpec
from knowledge_tracing.models import MODEL_REGISTRY
from knowledge_tracing.policies import POLICY_REGISTRY


class ExperimentForm(forms.Form):
    name = forms.CharField(max_length=200)


class ArmForm(forms.Form):
    name = forms.CharField(max_length=100)
    policy = forms.ChoiceField(choices=[])
    model_kind = forms.ChoiceField(choices=[], required=False, help_text="The student model kind that drives the policy; blank: the deck's active model.")
    weight = forms.IntegerField(min_value=1, max_value=MAX_ARM_WEIGHT, initial=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = [(name, name) for name in sorted(POLICY_REGISTRY)]
        self.fields["model_kind"].choices = [("", "any active model")] + [(name, name) for name in sorted(MODEL_REGISTRY)]

    def spec(self) -> ArmSpec:
        data = self.cleaned_data
        return ArmSpec(name=data["name"].strip(), policy=data["policy"], model_kind=data["model_kind"], weight=data["weight"])


class BaseArmFormSet(forms.BaseFormSet):
    def specs(self) -> list[ArmSpec]:
        """The arms filled in, without blank spare rows and rows marked for deletion."""
        return [form.spec() for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]


def arm_formset(experiment: Experiment | None, data=None):
    """Arms to fill in: two starting rows for a new experiment; a draft's arms plus a spare row; a started one's weights only."""
    if experiment is None:
        initial = [{"name": "control", "policy": "random", "weight": 1}, {"name": "delta", "policy": "delta", "weight": 1}]
        return forms.formset_factory(ArmForm, formset=BaseArmFormSet, extra=0, min_num=MIN_ARMS, max_num=MAX_ARMS, validate_max=True, can_delete=True)(data, initial=initial, prefix="arms")
    initial = [{"name": arm.name, "policy": arm.policy, "model_kind": arm.model_kind, "weight": arm.weight} for arm in experiment.arms.order_by("id")]
    if experiment.status == Experiment.Status.DRAFT:
        return forms.formset_factory(ArmForm, formset=BaseArmFormSet, extra=1, max_num=MAX_ARMS, validate_max=True, can_delete=True)(data, initial=initial, prefix="arms")
    formset = forms.formset_factory(ArmForm, formset=BaseArmFormSet, extra=0)(data, initial=initial, prefix="arms")
    for form in formset.forms:
        for name in ("name", "policy", "model_kind"):
            form.fields[name].disabled = True
    return formset
