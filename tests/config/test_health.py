"""The health check that docker-compose and load balancers poll."""

import pytest


@pytest.mark.django_db
def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_answers_whatever_host_the_prober_sends(client, settings):
    """docker-compose probes http://127.0.0.1:8000/healthz; a deployment's ALLOWED_HOSTS names its public host only."""
    settings.ALLOWED_HOSTS = ["mnemo.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").json() == {"status": "ok"}
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
