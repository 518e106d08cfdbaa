from django.urls import path

from apps.cards import media_views, note_views, views

app_name = "cards"

urlpatterns = [
    path("", views.deck_list, name="deck_list"),
    path("new/", views.deck_create, name="deck_create"),
    path("<uuid:deck_uuid>/", views.deck_detail, name="deck_detail"),
    path("<uuid:deck_uuid>/edit/", views.deck_edit, name="deck_edit"),
    path("<uuid:deck_uuid>/delete/", views.deck_delete, name="deck_delete"),
    path("<uuid:deck_uuid>/cards/new/", views.card_create, name="card_create"),
    path("<uuid:deck_uuid>/notes/new/", note_views.note_add, name="note_add"),
    path("notes/<uuid:note_uuid>/edit/", note_views.note_edit, name="note_edit"),
    path("notes/<uuid:note_uuid>/delete/", note_views.note_delete_view, name="note_delete"),
    path("cards/<uuid:card_uuid>/edit/", views.card_edit, name="card_edit"),
    path("cards/<uuid:card_uuid>/delete/", views.card_delete, name="card_delete"),
    path("<uuid:deck_uuid>/media/<str:name>", media_views.deck_media, name="deck_media"),
]
