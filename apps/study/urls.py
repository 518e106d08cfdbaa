from django.urls import path

from apps.study import preset_views, views

app_name = "study"

urlpatterns = [
    path("decks/<uuid:deck_uuid>/start/", views.session_start, name="session_start"),
    path("decks/<uuid:deck_uuid>/more/", views.study_more, name="study_more"),
    path("sessions/<uuid:session_uuid>/", views.session_page, name="session"),
    path("sessions/<uuid:session_uuid>/answer/", views.answer, name="answer"),
    path("sessions/<uuid:session_uuid>/undo/", views.undo, name="undo"),
    path("sessions/<uuid:session_uuid>/mark/", views.mark, name="mark"),
    path("sessions/<uuid:session_uuid>/finish/", views.finish, name="finish"),
    path("sessions/<uuid:session_uuid>/summary/", views.session_summary, name="session_summary"),
    path("history/", views.history, name="history"),
    path("presets/", preset_views.preset_list, name="presets"),
    path("presets/<uuid:preset_uuid>/", preset_views.preset_edit, name="preset_edit"),
    path("decks/<uuid:deck_uuid>/preset/", preset_views.deck_preset_set, name="deck_preset"),
]
