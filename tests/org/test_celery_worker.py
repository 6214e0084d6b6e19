import pytest

from org.tasks import ping


@pytest.mark.worker
def test_task_round_trips_through_a_real_worker_on_redis(celery_worker):
    result = ping.apply_async(queue=celery_worker.queue)
    assert result.get(timeout=30) == {"pong": "ok", "counties": 15}


def test_celery_is_configured_for_json_and_time_limits():
    from config.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


@pytest.mark.django_db
def test_tasks_are_queued_only_after_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        transaction.on_commit(ping.delay)
    assert len(callbacks) == 1
