"""Online against offline calibration of every servable model kind, on simulated learners studying the demo deck.

In a database of its own (``var/bench-served-calibration.sqlite3``, rebuilt on every
run whatever ``DATABASE_URL`` says, so no other data is touched): ``load_demo``, then
``--learners`` simulated learners study the demo deck once a day for ``--days`` days
through the study service (the functions the API and the study page call, as
``manage.py simulate_learners`` does). For each kind, ``manage.py train_model --kind
KIND`` trains a version on those logs and scores it on the newest ones (the offline
log loss and ECE). Then each version in turn is served (a staff promotion) and a new
cohort of ``--online-learners`` simulated learners (seed ``--seed`` + 1 + the kind's
position) studies for ``--online-days`` days with that version choosing their cards;
the online figures are the log loss and ECE of the recall it logged at show time
against the answers that followed (``online_calibration``). Prints one line per kind;
the last line is one JSON object.

    .venv/bin/python bench/served_calibration.py --learners 8 --days 10 --online-learners 4 --online-days 3
"""

from __future__ import annotations

import argparse
import io
import json
import os
from contextlib import redirect_stderr

from _project_root import REPO_ROOT

DATABASE = REPO_ROOT / "var" / "bench-served-calibration.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from apps.cards.management.commands.load_demo import DEMO_DECK_TITLE  # noqa: E402
from apps.cards.models import Deck  # noqa: E402
from apps.modeling.models import MODEL_KINDS, ModelVersion  # noqa: E402
from apps.modeling.promotion import model_version_promote  # noqa: E402
from apps.modeling.selectors import online_calibration  # noqa: E402
from apps.modeling.simulation import study_logs_simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(MODEL_KINDS))
    parser.add_argument("--learners", type=int, default=8, help="simulated learners whose logs train every kind")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--online-learners", type=int, default=4, help="new simulated learners served by each kind")
    parser.add_argument("--online-days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    DATABASE.unlink(missing_ok=True)
    DATABASE.parent.mkdir(exist_ok=True)
    quiet = io.StringIO()
    with redirect_stderr(quiet):
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=quiet)
    deck = Deck.objects.get(title=DEMO_DECK_TITLE)
    staff = get_user_model().objects.create_superuser("bench-staff", password=None)
    with redirect_stderr(quiet):
        trained_on = study_logs_simulate(deck=deck, learners=args.learners, days=args.days, seed=args.seed)
    print(f"{trained_on.learners} learners studied {trained_on.days} days: {trained_on.logs} study logs to train on")
    versions = {}
    for kind in args.kinds.split(","):
        summary = io.StringIO()
        with redirect_stderr(quiet):
            call_command("train_model", kind=kind, stdout=summary)
        versions[kind] = ModelVersion.objects.get(label=json.loads(summary.getvalue().splitlines()[-1])["version"])
    figures = {}
    for position, (kind, version) in enumerate(versions.items()):
        model_version_promote(version=version, actor=staff, reason="bench: serve each kind in turn")
        with redirect_stderr(quiet):
            study_logs_simulate(deck=deck, learners=args.online_learners, days=args.online_days, seed=args.seed + 1 + position)
        online = online_calibration(version, days=None) or {}
        figures[kind] = {
            "offline_log_loss": round(version.log_loss, 4), "offline_ece": round(version.ece, 4), "offline_n": version.n,
            "online_log_loss": round(online.get("log_loss", float("nan")), 4),
            "online_ece": round(online.get("ece", float("nan")), 4), "online_n": online.get("n", 0),
        }
        row = figures[kind]
        print(f"{kind:<6} offline log loss {row['offline_log_loss']:.4f} ECE {row['offline_ece']:.4f} (n {row['offline_n']}); "
              f"online log loss {row['online_log_loss']:.4f} ECE {row['online_ece']:.4f} (n {row['online_n']})")
    print(json.dumps({"benchmark": "served_calibration", **vars(args), "training_logs": trained_on.logs, "kinds": figures}))


if __name__ == "__main__":
    main()
