from django.urls import path

from apps.accounts import cohort_views

app_name = "cohorts"

urlpatterns = [
    path("", cohort_views.cohort_list, name="cohort_list"),
    path("<uuid:cohort_uuid>/", cohort_views.cohort_detail, name="cohort_detail"),
    path("<uuid:cohort_uuid>/members/add/", cohort_views.cohort_member_add, name="cohort_member_add"),
    path("<uuid:cohort_uuid>/members/remove/", cohort_views.cohort_member_remove, name="cohort_member_remove"),
    path("<uuid:cohort_uuid>/decks/assign/", cohort_views.cohort_deck_assign, name="cohort_deck_assign"),
    path("<uuid:cohort_uuid>/decks/unassign/", cohort_views.cohort_deck_unassign, name="cohort_deck_unassign"),
]
