"""``bench/policy_simulation.py`` end to end on a tiny deck: every policy judged against FSRS's curve, one JSON line last."""

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_judges_each_policy_at_fsrss_workload_and_ends_with_its_figures(tmp_path):
    deck = tmp_path / "deck.csv"
    pairs = [("mother", "madre"), ("father", "padre"), ("brother", "hermano"), ("sister", "hermana"), ("France", "Paris")]
    pairs += [("Spain", "Madrid"), ("Italy", "Rome"), ("gold", "Au"), ("iron", "Fe"), ("silver", "Ag"), ("dog", "perro")]
    deck.write_text("front,back,tags\n" + "".join(f"Word for {front}?,{back},t\n" for front, back in pairs))
    arguments = ["--decks", str(deck), "--seeds", "1", "--learners", "2", "--warmup-learners", "4", "--days", "3"]
    arguments += ["--daily-minutes", "2", "--model", "fsrs6-default", "--policies", "fsrs,delta,random"]
    arguments += ["--fsrs-retentions", "0.7,0.85,0.97", "--fsrs-budget-shares", "0.5,1.0"]
    finished = subprocess.run(
        [sys.executable, "bench/policy_simulation.py", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    assert [run["policy"] for run in figures["runs"]] == ["fsrs", "delta", "random"]
    [curve] = figures["fsrs_curves"]
    assert len(curve["points"]) == 6
    fsrs = figures["runs"][0]
    assert fsrs["workload_matched"]["test"]["margin"] <= 0.0  # one of the curve's runs: on it, or below another target's
    for policy in ("delta", "random"):
        run = next(run for run in figures["runs"] if run["policy"] == policy)
        verdict = figures["against_fsrs"][policy]
        assert verdict["runs"] == 1
        passes = run["workload_matched"]["test"]["at_or_above"] and run["workload_matched"]["later"]["at_or_above"]
        assert verdict["same_workload"]["both"] == int(passes)
        assert passes == (run["workload_matched"]["test"]["margin"] >= 0 and run["workload_matched"]["later"]["margin"] >= 0)
    assert "at the same workload" in finished.stdout
