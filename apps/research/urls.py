from django.urls import path

from apps.research import views

app_name = "research"

urlpatterns = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/<uuid:export_uuid>/", views.export_detail, name="export_detail"),
    path("exports/<uuid:export_uuid>/manifest.json", views.export_manifest, name="export_manifest"),
    path("exports/<uuid:export_uuid>/files/<path:name>", views.export_file, name="export_file"),
]
