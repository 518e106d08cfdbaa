"""Scheduling policies: given a learner's candidate cards, choose the next one."""
