"""The faults ``study_load.py --faults`` injects while learners study, and the wait for the training runs they disturbed.

Redis stopped for 10 s (a training run queued meanwhile), a gunicorn worker killed,
and the Celery child killed while it trains: afterwards every run must have ended, each
with its reason. Import after ``django.setup()``.
"""

from __future__ import annotations

import os
import signal
import time

from _load_processes import Service


def enqueue_training(kind: str, hyperparameters: dict | None = None) -> None:
    from apps.modeling.scopes import Scope
    from apps.modeling.training import training_run_enqueue
    from apps.modeling.training import training_run_create

    run = training_run_create(kind=kind, scope=Scope(), trigger="command", hyperparameters=hyperparameters)
    training_run_enqueue(run=run)


def inject_faults(*, seconds: float, redis: Service, web: Service, worker: Service, events: list[str]) -> None:
    """Redis down for 10 s at a quarter of the run (an HLR run is queued meanwhile); a gunicorn worker killed at
    half time; KARL and FSRS-6 runs queued at 55 % and the Celery child training one of them killed."""
    from apps.modeling.models import TrainingRun

    started = time.monotonic()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, started + fraction * seconds - time.monotonic()))

    def note(event: str) -> None:
        events.append(f"{time.monotonic() - started:.1f}s {event}")

    at(0.25)
    redis.stop()
    note("redis stopped")
    enqueue_training("hlr")
    note("hlr run queued while redis is down")
    time.sleep(10)
    redis.start()
    note("redis started")
    at(0.5)
    victim = web.children()[0]
    os.kill(victim, signal.SIGKILL)
    note(f"gunicorn worker {victim} killed")
    at(0.55)
    enqueue_training("karl", {"max_epochs": 40, "patience": 40})
    enqueue_training("fsrs6")
    deadline = time.monotonic() + 120
    time.sleep(5)  # into the run's training, past its claim
    while time.monotonic() < deadline:
        running = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING).first()
        if running:
            child = int(running.worker.rsplit(":", 1)[1])
            os.kill(child, signal.SIGKILL)
            note(f"celery child {child} killed while training run {running.pk} ({running.kind}, attempt {running.attempts})")
            return
        time.sleep(0.2)
    children = worker.children()
    os.kill(children[0], signal.SIGKILL)
    note(f"celery child {children[0]} killed (no run was training)")


def wait_for_training(seconds: float) -> list[dict]:
    from apps.modeling.models import TrainingRun

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and TrainingRun.objects.exclude(status__in=TrainingRun.FINISHED).exists():
        time.sleep(2)
    return [
        {"kind": run.kind, "status": run.status, "attempts": run.attempts, "message": run.message}
        for run in TrainingRun.objects.order_by("id")
    ]
