"""The slip and guess rates that keep memory models' answers away from certainty."""

import numpy as np

from knowledge_tracing.models.answer_noise import NOISE_BOUNDS, AnswerNoise


def _answers(slip, guess, rows=20_000, seed=0):
    rng = np.random.default_rng(seed)
    memory = rng.choice([0.0, 1.0], size=rows, p=[0.3, 0.7])
    observed = guess + (1 - guess - slip) * memory
    return memory, (rng.random(rows) < observed).astype(np.int8)


def test_the_fitted_rates_are_those_that_made_the_answers():
    memory, outcome = _answers(slip=0.1, guess=0.2)
    noise = AnswerNoise.fit(memory, outcome)
    assert abs(noise.slip - 0.1) < 0.01 and abs(noise.guess - 0.2) < 0.015


def test_rates_stay_within_their_bounds_whatever_the_answers():
    memory, _ = _answers(slip=0.0, guess=0.0)
    certain = AnswerNoise.fit(memory, memory)
    reversed_answers = AnswerNoise.fit(memory, 1 - memory)
    assert (certain.slip, certain.guess) == (NOISE_BOUNDS[0], NOISE_BOUNDS[0])
    assert (reversed_answers.slip, reversed_answers.guess) == (NOISE_BOUNDS[1], NOISE_BOUNDS[1])
    predicted = certain.apply(np.array([0.0, 1.0]))
    assert predicted.tolist() == [NOISE_BOUNDS[0], 1 - NOISE_BOUNDS[0]]


def test_state_round_trips_and_a_model_saved_without_it_gets_the_lowest_rates():
    noise = AnswerNoise(slip=0.07, guess=0.11)
    assert AnswerNoise.from_state(noise.state()) == noise
    assert AnswerNoise.from_state(None) == AnswerNoise(NOISE_BOUNDS[0], NOISE_BOUNDS[0])
