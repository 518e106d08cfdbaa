from django.urls import path

from apps.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("progress/", views.progress, name="progress"),
    path("progress/<slug:table>.csv", views.progress_csv, name="progress_csv"),
    path("cohorts/<uuid:cohort_uuid>/", views.cohort_dashboard, name="cohort_dashboard"),
    path("cohorts/<uuid:cohort_uuid>/<slug:table>.csv", views.cohort_csv, name="cohort_csv"),
    path("cohorts/<uuid:cohort_uuid>/compute/", views.compute_now, name="compute_now"),
    path("cohorts/<uuid:cohort_uuid>/computation/", views.computation_status, name="computation_status"),
    path("cohorts/<uuid:cohort_uuid>/settings/", views.mastery_settings, name="mastery_settings"),
    path("cohorts/<uuid:cohort_uuid>/learners/<str:username>/", views.learner_detail, name="learner_detail"),
    path("cohorts/<uuid:cohort_uuid>/learners/<str:username>/<slug:table>.csv", views.learner_csv, name="learner_csv"),
]
