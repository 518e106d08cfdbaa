"""Fetch a study session for its learner only; anyone else gets 404."""

from django.http import Http404

from apps.study.models import StudySession


def session_for_learner(user, session_uuid) -> StudySession:
    session = StudySession.objects.select_related("deck", "learner").filter(uuid=session_uuid).first()
    if session is None or session.learner_id != user.pk or session.deck.deleted_at is not None:
        raise Http404("No such study session")
    return session
