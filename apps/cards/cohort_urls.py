from django.urls import path

from apps.accounts import join_views
from apps.cards import cohort_views

app_name = "cohorts"

urlpatterns = [
    path("", cohort_views.cohort_list, name="cohort_list"),
    path("<uuid:cohort_uuid>/", cohort_views.cohort_detail, name="cohort_detail"),
    path("<uuid:cohort_uuid>/invites/create/", cohort_views.cohort_invite_create, name="cohort_invite_create"),
    path("<uuid:cohort_uuid>/invites/revoke/", cohort_views.cohort_invite_revoke, name="cohort_invite_revoke"),
    path("<uuid:cohort_uuid>/members/remove/", cohort_views.cohort_member_remove, name="cohort_member_remove"),
    path("<uuid:cohort_uuid>/decks/assign/", cohort_views.cohort_deck_assign, name="cohort_deck_assign"),
    path("<uuid:cohort_uuid>/decks/unassign/", cohort_views.cohort_deck_unassign, name="cohort_deck_unassign"),
    path("joined/", join_views.cohorts_joined, name="cohorts_joined"),
    path("join/", join_views.cohort_join_by_code, name="cohort_join_by_code"),
    path("join/<str:code>/", join_views.cohort_join_by_link, name="cohort_join_by_link"),
    path("<uuid:cohort_uuid>/leave/", join_views.cohort_leave, name="cohort_leave"),
]
