from django.urls import path

from apps.browser import views

app_name = "browser"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("bulk/", views.bulk_action, name="bulk_action"),
]
