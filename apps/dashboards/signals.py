"""After every promotion, whatever made it (training, the admin, a rollback, the online watch), refresh the snapshots of its scope.

The refresh is a task of its own, handed to the outbox in the promotion's transaction,
on the queue of the run that trained the promoted version: a worker that only consumes
its training queue still refreshes them, and a promotion made by ``manage.py
train_model`` or in the admin is refreshed by whichever worker serves the default queue.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.dashboards.tasks import refresh_snapshots_after_promotion
from apps.modeling.models import Promotion
from apps.outbox.enqueue import enqueue_on_commit


@receiver(post_save, sender=Promotion, dispatch_uid="dashboards-refresh-after-promotion")
def refresh_after_promotion(sender, instance: Promotion, created: bool = False, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        enqueue_on_commit(refresh_snapshots_after_promotion, args=[instance.pk], queue=instance.version.run.queue or None)
