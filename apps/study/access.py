"""Fetch a study session for its learner, while they may still study its deck; anyone else gets 404."""

from django.http import Http404

from apps.cards.access import deck_open_to
from apps.study.models import StudySession


def session_for_learner(user, session_uuid) -> StudySession:
    """The user's own session on a live deck that is still theirs or public (made private: 404), else 404."""
    session = StudySession.objects.select_related("deck", "learner").filter(uuid=session_uuid).first()
    if session is None or session.learner_id != user.pk or session.deck.deleted_at is not None or not deck_open_to(session.deck, user.pk):
        raise Http404("No such study session")
    return session
