"""A learner's history of answers, and what the models and the scheduler read from it.

One package, one job per module, one pair key and one rank kernel:

- ``pairs``: the learner-item pair key and each row's rank among its pair's rows;
- ``fsrs_memory``: FSRS-6 memory states replayed over a table (equal to the ``fsrs`` package);
- ``update_rules``: how one answer advances a pair state (counts, Leitner, SM-2, FSRS);
- ``replay``: a whole table replayed, pair-parallel;
- ``learner_state``: one learner's state, kept by the scheduler and updated per answer;
- ``questions``: the questions a scheduler asks about candidates, and their factored features;
- ``features``: ``HistoryFeatures``, the feature matrix of real or hypothetical rows;
- ``retrieval``: KARL's k most related cards studied before each question.
"""
