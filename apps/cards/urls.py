from django.urls import path

from apps.cards import views

app_name = "cards"

urlpatterns = [
    path("", views.deck_list, name="deck_list"),
    path("new/", views.deck_create, name="deck_create"),
    path("<uuid:deck_uuid>/", views.deck_detail, name="deck_detail"),
    path("<uuid:deck_uuid>/edit/", views.deck_edit, name="deck_edit"),
    path("<uuid:deck_uuid>/delete/", views.deck_delete, name="deck_delete"),
    path("<uuid:deck_uuid>/cards/new/", views.card_create, name="card_create"),
    path("cards/<uuid:card_uuid>/edit/", views.card_edit, name="card_edit"),
    path("cards/<uuid:card_uuid>/delete/", views.card_delete, name="card_delete"),
]
