"""Does a cohort's mastery agree with what its learners did? Recall "now" against mastery at the 7-day horizon.

Reads the configured database (run it on a dev database after ``simulate_learners``, a
cohort of the simulated learners with the deck assigned, and ``train_model``); writes
nothing. For every member's studied cards of the cohort's decks it asks the served
model (or the FSRS card state) through the dashboards' one computation, once at the
moment of the run and once 7 days later, and prints per question: the Spearman
correlation across cards between the mean over learners and the observed failure rate
(share of the cohort's answers that were Again; lower mastery should go with more
failures: a negative correlation), and the mean for cards whose latest answer was Again
against those answered right, with the share of the former below the 70% target.
The last line is one JSON object.

    .venv/bin/python bench/mastery_agreement.py --cohort "Demo class"
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from datetime import timedelta

import numpy as np

import _project_root  # noqa: F401  (the project root on sys.path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

AT_RISK_BELOW = 0.7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", required=True, help="the cohort's name")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db.models import Count, Q
    from django.utils import timezone
    from scipy.stats import spearmanr

    from apps.accounts.models import Cohort
    from apps.dashboards.mastery import DEFAULT_HORIZON_DAYS, studied_card_mastery
    from apps.study.models import StudyLog

    cohort = Cohort.objects.get(name=args.cohort)
    members, decks = list(cohort.members.all()), list(cohort.decks.all())
    logs = StudyLog.objects.live().filter(learner__in=members, deck__in=decks)
    answered = {row["card"]: row for row in logs.values("card").annotate(answers=Count("id"), failures=Count("id", filter=Q(outcome=False)))}
    latest = {(learner, card): outcome for learner, card, outcome in logs.order_by("answered_at", "id").values_list("learner_id", "card_id", "outcome")}
    now = timezone.now()
    results = {}
    for question, at in (("recall_now", now), ("mastery_in_7_days", now + timedelta(days=DEFAULT_HORIZON_DAYS))):
        per_card, after_again, after_right, versions = defaultdict(list), [], [], set()
        for learner in members:
            for deck in decks:
                studied = studied_card_mastery(learner=learner, deck=deck, now=now, at=at)
                versions.add(studied.model_version)
                for card, value in zip(studied.card_ids.tolist(), studied.mastery.tolist()):
                    per_card[card].append(value)
                    (after_right if latest[(learner.pk, card)] else after_again).append(value)
        cards = sorted(per_card)
        failure_rate = [answered[card]["failures"] / answered[card]["answers"] for card in cards]
        results[question] = {
            "versions": sorted(versions),
            "cards": len(cards),
            "spearman_with_failure_rate": round(float(spearmanr([np.mean(per_card[card]) for card in cards], failure_rate).correlation), 3),
            "mean_after_again": round(float(np.mean(after_again)), 3) if after_again else None,
            "mean_after_right": round(float(np.mean(after_right)), 3) if after_right else None,
            "share_after_again_below_target": round(float(np.mean(np.array(after_again) < AT_RISK_BELOW)), 3) if after_again else None,
            "latest_again": len(after_again),
            "latest_right": len(after_right),
        }
        row = results[question]
        print(
            f"{question}: {', '.join(row['versions'])}; {row['cards']} cards; Spearman with failure rate {row['spearman_with_failure_rate']}; "
            f"latest answer Again ({row['latest_again']}): mean {row['mean_after_again']}, {row['share_after_again_below_target']} below {AT_RISK_BELOW}; "
            f"latest right ({row['latest_right']}): mean {row['mean_after_right']}"
        )
    print(json.dumps({"bench": "mastery_agreement", "cohort": args.cohort, "results": results}))


if __name__ == "__main__":
    main()
