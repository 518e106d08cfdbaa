from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "apps.experiments"
    verbose_name = "Experiments"

    def ready(self) -> None:
        from apps.experiments.services import arm_for_learner_studying
        from apps.study.experiment_arms import assign_arms_with

        assign_arms_with(arm_for_learner_studying)
