"""Study maintenance tasks run by the Celery worker (beat runs the idle-session sweep every 15 minutes)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from apps.study.services import study_sessions_close_idle


@shared_task
def close_idle_sessions(idle_minutes: int | None = None) -> int:
    """End study sessions left open without activity; returns how many were ended."""
    minutes = idle_minutes if idle_minutes is not None else settings.MNEMO_SESSION_IDLE_MINUTES
    return study_sessions_close_idle(idle_for=timedelta(minutes=minutes))
