from django.urls import path

from apps.deck_io import views

app_name = "deck_io"

urlpatterns = [
    path("<uuid:deck_uuid>/export/", views.deck_export, name="deck_export"),
    path("export/collection/", views.collection_export, name="collection_export"),
    path("import/", views.deck_import_upload, name="deck_import_upload"),
    path("import/<uuid:import_uuid>/", views.deck_import_detail, name="deck_import_detail"),
    path("import/<uuid:import_uuid>/confirm/", views.deck_import_confirm, name="deck_import_confirm"),
    path("import/<uuid:import_uuid>/progress/", views.deck_import_progress, name="deck_import_progress"),
]
