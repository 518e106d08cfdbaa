"""The learner's research-consent switch (every signed-in user; the researcher pages are in ``urls``)."""

from django.urls import path

from apps.research import views

app_name = "research_consent"

urlpatterns = [path("", views.consent_update, name="update")]
