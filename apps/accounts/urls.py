from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.learner_settings, name="settings"),
    path("settings/tokens/<uuid:token_uuid>/revoke/", views.token_revoke, name="token_revoke"),
]
