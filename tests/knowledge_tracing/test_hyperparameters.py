"""Hyper-parameters are checked against the defaults' kinds before anything trains."""

import re

import pytest

from knowledge_tracing.models import create_model


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("cakt", {"history_head": "false"}, "history_head must be a boolean"),
        ("cakt", {"frame_size": 10.5}, "frame_size must be a whole number"),
        ("dkt", {"dropout": "0.2"}, "dropout must be a number"),
        ("fsrs6", {"optimize": 1}, "optimize must be a boolean"),
        ("logreg", {"c_grid": 0.1}, "c_grid must be a list"),
        ("cakt", {"item_representation": 1}, "item_representation must be a str"),
        ("hlr", {"iterations": 5}, "unknown hyper-parameters ['iterations']"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_refused_by_name(name, given, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        create_model(name, **given)


def test_settings_of_the_right_kind_are_kept():
    model = create_model("cakt", frame_size=10, dropout=1, history_head=True, max_train_length=None)
    assert model.hyperparameters["frame_size"] == 10
    assert model.hyperparameters["dropout"] == 1
    assert model.hyperparameters["history_head"] is True
    assert model.hyperparameters["max_train_length"] is None
    assert create_model("logreg", c_grid=[0.1, 1.0]).hyperparameters["c_grid"] == [0.1, 1.0]
