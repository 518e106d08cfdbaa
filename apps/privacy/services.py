"""Writes for data rights: asking for an account's deletion, cancelling it, and erasing accounts whose grace period is over.

Asking switches the account off at once (``is_active``: no page, API token or session
works, and its study logs leave no new research export) and takes the person out of
their cohorts; nothing is removed yet. Until ``erase_after`` the person can sign in
again, which leads only to the page where they keep their account. Then
``accounts_erase_due`` (beat, hourly) erases it (``apps.privacy.erasure``). What happens
to each kind of row is written in docs/privacy.md.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import cohorts_leave_for_account_deletion, cohorts_rejoin_after_cancelled_deletion
from apps.dashboards.models import CohortCardMastery, ConceptMastery, LearnerMastery
from apps.privacy import selectors
from apps.privacy.erasure import account_erase
from apps.privacy.models import AccountDeletion
from apps.research.services import research_consent_give, research_consent_withdraw

logger = logging.getLogger(__name__)


class DeletionRefused(ValueError):
    """An account deletion (or its cancelling) refused, with the reason in words for the page."""


def account_deletion_request(*, user, now: datetime | None = None) -> AccountDeletion:
    """Switch the account off and schedule its erasure after the grace period; asking again changes nothing."""
    blockers = selectors.deletion_blockers(user)
    if blockers:
        raise DeletionRefused(" ".join(blockers))
    now = now or timezone.now()
    with transaction.atomic():
        pending = selectors.deletion_pending(user)
        if pending is not None:
            return pending
        withdrawn = research_consent_withdraw(learner=user, now=now)
        deletion = AccountDeletion.objects.create(
            user=user, requested_at=now, erase_after=now + timedelta(days=settings.MNEMO_ACCOUNT_DELETION_GRACE_DAYS),
            consent_withdrawn=withdrawn is not None,
        )
        cohorts_leave_for_account_deletion(learner=user, now=now)
        ApiToken.objects.filter(user=user).delete()
        # Instructors' dashboards show the latest cohort snapshot: the person leaves it now, not at the next refresh.
        LearnerMastery.objects.filter(learner=user).delete()
        ConceptMastery.objects.filter(learner=user).delete()
        CohortCardMastery.objects.filter(learner=user).delete()
        user.is_active = False
        user.save(update_fields=["is_active"])
    return deletion


def account_deletion_cancel(*, deletion: AccountDeletion, now: datetime | None = None) -> AccountDeletion:
    """Keep the account: it works again, rejoins the cohorts it left, and consents to research again if it did before."""
    with transaction.atomic():
        deletion = AccountDeletion.objects.select_for_update(of=("self",)).select_related("user").get(pk=deletion.pk)
        if deletion.status != AccountDeletion.Status.PENDING:
            raise DeletionRefused(f"This deletion is no longer pending ({deletion.get_status_display().lower()}).")
        user = deletion.user
        deletion.status, deletion.cancelled_at = AccountDeletion.Status.CANCELLED, now or timezone.now()
        deletion.save(update_fields=["status", "cancelled_at"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        cohorts_rejoin_after_cancelled_deletion(learner=user)
        if deletion.consent_withdrawn:
            research_consent_give(learner=user, now=deletion.cancelled_at)
    return deletion


def accounts_erase_due(*, now: datetime | None = None) -> dict:
    """Erase every account whose grace period is over, each in its own transaction; a failure is recorded and retried next time."""
    now = now or timezone.now()
    erased, failed = 0, 0
    for deletion_id in list(selectors.deletions_due(now=now).values_list("pk", flat=True)):
        try:
            if account_erase(deletion_id=deletion_id, now=now) is not None:
                erased += 1
        except Exception as error:
            failed += 1
            logger.exception("erasing the account of deletion %s failed; it stays pending and is tried again", deletion_id)
            AccountDeletion.objects.filter(pk=deletion_id).update(attempts=F("attempts") + 1, last_error=str(error)[:2000])
    return {"erased": erased, "failed": failed}
