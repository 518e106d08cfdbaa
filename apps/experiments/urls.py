from django.urls import path

from apps.experiments import views

app_name = "experiments"

urlpatterns = [
    path("decks/<uuid:deck_uuid>/", views.experiment_list, name="experiment_list"),
    path("decks/<uuid:deck_uuid>/new/", views.experiment_create, name="experiment_create"),
    path("<uuid:experiment_uuid>/", views.experiment_detail, name="experiment_detail"),
    path("<uuid:experiment_uuid>/edit/", views.experiment_edit, name="experiment_edit"),
    path("<uuid:experiment_uuid>/start/", views.experiment_start, name="experiment_start"),
    path("<uuid:experiment_uuid>/stop/", views.experiment_stop, name="experiment_stop"),
]
