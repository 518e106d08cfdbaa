"""Only staff with the view permissions see the calibration pages; other staff get 403, everyone else the admin login."""

import pytest
from django.urls import reverse

from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(seeded_deck, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    run = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND)
    return training_run_execute(run_id=run.pk).version


def _calibration_urls(version) -> list[str]:
    return [
        reverse("admin:modeling_calibration", args=[version.pk]) + "?window=7",
        reverse("admin:modeling_scope", args=[version.scope_key]),
        reverse("admin:modeling_modelversion_changelist"),
        reverse("admin:modeling_trainingrun_changelist"),
    ]


def test_learners_instructors_and_anonymous_visitors_are_sent_to_the_admin_login(
    version, owner, instructor, web_client_for, client
):
    for visitor in (web_client_for(owner), web_client_for(instructor), client):
        for url in _calibration_urls(version):
            response = visitor.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
            assert version.label not in response.content.decode()


def test_staff_see_every_calibration_page(version, admin_client):
    *version_pages, runs_page = _calibration_urls(version)
    for url in version_pages:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert version.label in page.content.decode()
    assert "Succeeded" in admin_client.get(runs_page).content.decode()


def test_staff_without_view_permissions_are_refused_as_the_admin_refuses_them(version, make_staff, web_client_for):
    client = web_client_for(make_staff("bare-staff"))
    for url in _calibration_urls(version):
        response = client.get(url)
        assert response.status_code == 403, url
        assert version.label not in response.content.decode()


def test_each_calibration_page_needs_the_view_permission_of_what_it_shows(version, make_staff, web_client_for):
    calibration, scope, *_ = _calibration_urls(version)
    versions_only = web_client_for(make_staff("version-viewer", "modeling.view_modelversion"))
    assert versions_only.get(calibration).status_code == 200
    assert versions_only.get(scope).status_code == 403
    both = web_client_for(make_staff("scope-viewer", "modeling.view_modelversion", "modeling.view_trainingrun"))
    assert both.get(scope).status_code == 200


def test_an_unknown_scope_is_not_found(version, admin_client):
    assert admin_client.get(reverse("admin:modeling_scope", args=["classroom:1"])).status_code == 404
