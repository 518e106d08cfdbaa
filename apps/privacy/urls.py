from django.urls import path

from apps.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.data_overview, name="overview"),
    path("download/", views.data_download_page, name="download_page"),
    path("download/zip/", views.data_download, name="download"),
    path("delete/", views.account_delete, name="delete"),
    path("deletion-pending/", views.deletion_pending, name="deletion_pending"),
]
