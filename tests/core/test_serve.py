"""`taavon serve` runs the background jobs itself in the embedded default, so `make run` needs no
second process for notices and live turnout; with Redis (production) workers run apart."""

import pytest
from django.core.management import call_command
from huey.contrib.djhuey import HUEY


class FakeConsumer:
    started = []

    def __init__(self, **options):
        self.options = options

    def start(self):
        FakeConsumer.started.append(self.options)


@pytest.fixture
def served(monkeypatch):
    """Run `taavon serve` up to the point where daphne would take over; what was started."""
    FakeConsumer.started = []
    monkeypatch.setattr("daphne.cli.CommandLineInterface.run", lambda self, args: None)
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "create_consumer", lambda **options: FakeConsumer(**options))

    def serve(*args, redis_url=None):
        FakeConsumer.started = []
        monkeypatch.setattr("django.conf.settings.REDIS_URL", redis_url, raising=False)
        monkeypatch.setattr("django.conf.settings.DEBUG", True)
        monkeypatch.setattr("django.conf.settings.TAAVON_DEMO", False)
        call_command("serve", *args)
        return FakeConsumer.started

    return serve


def test_the_embedded_server_runs_the_background_jobs_in_worker_threads(served):
    assert served() == [{"workers": 2, "worker_type": "thread", "periodic": True}]


def test_with_redis_the_jobs_are_left_to_separate_workers_unless_asked(served):
    assert served(redis_url="redis://127.0.0.1:6379/0") == []
    assert served("--worker", redis_url="redis://127.0.0.1:6379/0") == [
        {"workers": 2, "worker_type": "thread", "periodic": True}
    ]
    assert served("--no-worker") == []
