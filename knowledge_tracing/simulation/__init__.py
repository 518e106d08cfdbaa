"""Simulated learners and offline comparison of scheduling policies.

``SimulatedLearner`` (one learner's memory of a deck, answering with a grade and a
response time) and ``simulated_population`` (learners drawn from a seed) are the API
shared with the web application's ``manage.py simulate_learners``;
``run_policy_comparison`` is what ``python -m knowledge_tracing simulate`` runs.
"""

from knowledge_tracing.simulation.learner import Answer, SimulatedLearner
from knowledge_tracing.simulation.population import LearnerParameters, draw_learner_parameters, simulated_population
from knowledge_tracing.simulation.transfer import CardNeighbours

__all__ = [
    "Answer",
    "CardNeighbours",
    "LearnerParameters",
    "SimulatedLearner",
    "draw_learner_parameters",
    "simulated_population",
]
