"""The logistic regression's fit as the log grows: CPU seconds, optimiser passes and held-out log loss, library only.

For each size in ``--logs`` a generated study log (``knowledge_tracing.data.synthetic``,
200 logs per learner) is fitted by ``logreg`` (its two regimes' regularised logits,
``knowledge_tracing.models.linear``: the C grid, then the final fit) and scored on a
separate generated log of 20,000 answers. No database and no embeddings, so the figures
are the fit's own: CPU seconds, which a shared machine's load inflates far less than
wall seconds, and ``peak_mb``, the process's peak so far (so list sizes smallest
first). ``passes`` counts the objective's evaluations, each one pass over a regime's
rows: a count that no machine's load changes, and the thing that broke linear growth
before the grid was warm-started and sampled (docs/training.md).

    .venv/bin/python bench/linear_fit_scale.py [--logs 100000,1000000]

Prints one line per size; the last line is one JSON object
``{"sizes": {logs: {cpu_seconds, passes, passes_per_fit, test_log_loss, peak_mb}}, "cpu_growth": ...}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import _project_root  # noqa: F401  (the project root on sys.path)
from sklearn.metrics import log_loss

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model, linear

LOGS_PER_LEARNER = 200


def count_passes(passes: list[int]):
    """Wrap scipy's ``minimize`` as the linear module calls it, appending each fit's evaluations to ``passes``."""
    minimize = linear.minimize

    def counting(*args, **kwargs):
        fitted = minimize(*args, **kwargs)
        passes.append(int(fitted.nfev))
        return fitted

    linear.minimize = counting


def measure(logs: int, passes: list[int]) -> dict:
    train = generate_study_log(n_learners=logs // LOGS_PER_LEARNER, n_logs=logs, seed=0)
    test = generate_study_log(n_learners=100, n_logs=20_000, seed=1)
    model = create_model("logreg", seed=0)
    passes.clear()
    started = time.process_time()
    model.fit(train)
    cpu_seconds = time.process_time() - started
    return {
        "cpu_seconds": round(cpu_seconds, 1),
        "passes": sum(passes),
        "passes_per_fit": list(passes),
        "test_log_loss": round(float(log_loss(test.outcome, model.predict_proba(test))), 5),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", default="100000,1000000", help="comma-separated log counts")
    args = parser.parse_args()
    sizes = [int(size) for size in args.logs.split(",")]
    passes: list[int] = []
    count_passes(passes)
    results = {}
    for logs in sizes:
        results[logs] = measure(logs, passes)
        figures = results[logs]
        print(
            f"{logs:>9} logs: fit {figures['cpu_seconds']} CPU s, {figures['passes']} passes, "
            f"held-out log loss {figures['test_log_loss']}, peak {figures['peak_mb']} MB",
            flush=True,
        )
    summary = {"sizes": results}
    if len(sizes) > 1:
        summary["cpu_growth"] = round(results[sizes[-1]]["cpu_seconds"] / results[sizes[0]]["cpu_seconds"], 2)
        summary["log_growth"] = round(sizes[-1] / sizes[0], 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
