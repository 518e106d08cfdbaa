"""Changing which version a scope serves: automatically after training, by staff (promote, roll back), or by the online watch.

Only one version per scope is active (a database constraint); every change is a
``Promotion`` row, so the history of what was served, when and why is kept.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import transaction

from apps.modeling.models import ModelVersion, Promotion


def promotion_verdict(*, log_loss: float, ece: float, active_log_loss: float | None) -> tuple[bool, str]:
    """Whether a new version should replace the active one, and why (in words for the admin)."""
    max_ece = settings.MNEMO_PROMOTION_MAX_ECE
    if not math.isfinite(ece) or ece > max_ece:
        return False, f"ECE {ece:.4f} is above the limit {max_ece:.4f} (MNEMO_PROMOTION_MAX_ECE)"
    if active_log_loss is None:
        return True, f"no active version; ECE {ece:.4f} is within {max_ece:.4f}"
    if log_loss < active_log_loss:
        return True, f"log loss {log_loss:.4f} beats the active version's {active_log_loss:.4f} on the same held-out logs"
    return False, f"log loss {log_loss:.4f} does not beat the active version's {active_log_loss:.4f} on the same held-out logs"


@transaction.atomic
def model_version_activate(
    *, version: ModelVersion, action: str, actor=None, reason: str = "", expected_active_id: int | None = None,
    figures: dict | None = None,
) -> Promotion | None:
    """Make ``version`` its scope's active version; None when nothing changed.

    With ``expected_active_id`` (automatic promotion) nothing changes unless the active
    version is still the one the new version was compared with.
    """
    current = ModelVersion.objects.select_for_update().filter(scope_key=version.scope_key, is_active=True).first()
    current_id = None if current is None else current.pk
    if current_id == version.pk:
        return None
    if action == Promotion.Action.AUTOMATIC and current_id != expected_active_id:
        return None
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    version.is_active = True
    version.save(update_fields=["is_active"])
    return Promotion.objects.create(
        scope_key=version.scope_key, version=version, previous=current, action=action, actor=actor, reason=reason,
        figures=figures,
    )


def model_version_promote(*, version: ModelVersion, actor, reason: str = "promoted by staff") -> Promotion | None:
    """Staff override: serve ``version`` whatever its metrics."""
    return model_version_activate(version=version, action=Promotion.Action.PROMOTE, actor=actor, reason=reason)


@transaction.atomic
def model_version_roll_back(*, version: ModelVersion, action: str, reason: str, actor=None, figures: dict | None = None) -> Promotion:
    """Serve again the version that ``version`` replaced; ValueError when ``version`` no longer serves or replaced none.

    The active version is locked and must still be ``version``: a rollback decided on
    figures of one version never rolls back the one that replaced it meanwhile.
    """
    current = ModelVersion.objects.select_for_update().filter(scope_key=version.scope_key, is_active=True).first()
    if current is None or current.pk != version.pk:
        raise ValueError(f"{version.label} no longer serves {version.scope_key!r}")
    last_change = Promotion.objects.filter(scope_key=version.scope_key, version=current).first()
    if last_change is None or last_change.previous is None:
        raise ValueError(f"{current.label} was the first version served for {version.scope_key!r}; there is nothing to roll back to")
    return model_version_activate(version=last_change.previous, action=action, actor=actor, reason=reason, figures=figures)


def scope_rollback(*, scope_key: str, actor) -> Promotion:
    """Staff: serve again the version that was active before the current one; ValueError when there is none."""
    current = ModelVersion.objects.filter(scope_key=scope_key, is_active=True).first()
    if current is None:
        raise ValueError(f"scope {scope_key!r} has no active version to roll back")
    return model_version_roll_back(
        version=current, action=Promotion.Action.ROLLBACK, actor=actor, reason=f"rolled back from {current.label}"
    )
