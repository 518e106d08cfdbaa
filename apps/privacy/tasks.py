"""Beat erases, every hour, the accounts whose deletion's grace period is over."""

from celery import shared_task

from apps.privacy.services import accounts_erase_due


@shared_task
def erase_deleted_accounts() -> dict:
    """Erase each due account in its own transaction; running it again (or twice at once) erases nothing twice."""
    return accounts_erase_due()
