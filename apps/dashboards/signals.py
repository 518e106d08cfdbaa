"""At the end of each training run, in the worker that ran it, recompute the snapshots its scope serves.

The snapshots are written right there, after the task returns, rather than in a task
of their own: a worker that only consumes its training queue still refreshes them.
"""

from celery.signals import task_postrun

from apps.dashboards.services import snapshots_after_training_run
from apps.modeling.tasks import train_model_version


@task_postrun.connect(sender=train_model_version, dispatch_uid="dashboards-snapshot-after-training")
def snapshot_after_training_run(sender=None, args=None, kwargs=None, **_) -> None:
    run_id = args[0] if args else (kwargs or {}).get("run_id")
    if run_id is not None:
        snapshots_after_training_run(run_id=run_id)
