from django.urls import path

from apps.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("progress/", views.progress, name="progress"),
    path("progress/<slug:table>.csv", views.progress_csv, name="progress_csv"),
    path("cohorts/<uuid:cohort_uuid>/", views.cohort_dashboard, name="cohort_dashboard"),
    path("cohorts/<uuid:cohort_uuid>/<slug:table>.csv", views.cohort_csv, name="cohort_csv"),
    path("cohorts/<uuid:cohort_uuid>/learners/<str:username>/", views.learner_detail, name="learner_detail"),
    path("cohorts/<uuid:cohort_uuid>/learners/<str:username>/<slug:table>.csv", views.learner_csv, name="learner_csv"),
]
