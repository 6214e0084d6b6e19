import pytest
from django.urls import reverse

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    data = response.json()
    assert data["database"] == "ok"
    expected_broker = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"
    assert data["broker"] == expected_broker
    assert data["status"] == "ok"


def test_healthz_reveals_no_secrets_or_urls(client, settings):
    body = client.get(reverse("healthz")).content.decode()
    assert settings.SECRET_KEY not in body
    assert "redis://" not in body and "postgres" not in body
    assert set(client.get(reverse("healthz")).json()) == {"status", "database", "broker"}


def test_healthz_says_503_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = celery_app.conf.broker_url
    celery_app.conf["broker_url"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        celery_app.conf["broker_url"] = previous
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
