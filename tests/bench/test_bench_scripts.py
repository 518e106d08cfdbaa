"""Every benchmark starts as the docs and ``make bench`` run it: ``.venv/bin/python bench/NAME.py`` from the project root."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(path.name for path in (REPO_ROOT / "bench").glob("[!_]*.py"))


def test_the_benches_are_found():
    assert {"next_card_latency.py", "study_latency.py"} <= set(BENCHES)


@pytest.mark.parametrize("bench", BENCHES)
def test_bench_imports_the_project_without_pythonpath(bench):
    """``--help`` parses arguments after every import: a bench that cannot import the project fails here."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    finished = subprocess.run(
        [sys.executable, f"bench/{bench}", "--help"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith(f"usage: {bench}")
