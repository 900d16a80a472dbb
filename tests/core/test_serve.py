"""`taavon serve` runs the background jobs itself in the embedded default, so `make run` needs no
second process for notices and live turnout; with Redis (production) workers run apart."""

import pytest
from django.core.management import call_command


@pytest.fixture
def served(monkeypatch):
    """Run `taavon serve` up to the point where daphne would take over; the worker threads started."""
    started: list[int] = []
    monkeypatch.setattr("daphne.cli.CommandLineInterface.run", lambda self, args: serve.daphne_args.extend(args))
    monkeypatch.setattr("taavon.jobs.worker.start_worker_threads", lambda threads=2: started.append(threads))

    def serve(*args, redis_url=None):
        started.clear()
        monkeypatch.setattr("django.conf.settings.REDIS_URL", redis_url, raising=False)
        monkeypatch.setattr("django.conf.settings.JOBS_IMMEDIATE", False)
        monkeypatch.setattr("django.conf.settings.DEBUG", True)
        monkeypatch.setattr("django.conf.settings.TAAVON_DEMO", False)
        call_command("serve", *args)
        return list(started)

    serve.daphne_args = []  # type: ignore[attr-defined]
    return serve


def test_the_embedded_server_runs_the_background_jobs_in_worker_threads(served):
    assert served() == [2]


def test_with_redis_the_jobs_are_left_to_separate_workers_unless_asked(served):
    assert served(redis_url="redis://127.0.0.1:6379/0") == []
    assert served("--worker", redis_url="redis://127.0.0.1:6379/0") == [2]
    assert served("--no-worker") == []


def test_the_server_does_not_believe_forwarded_headers_from_anyone(served):
    """Daphne's --proxy-headers would take X-Forwarded-For from any client; the address is worked
    out by taavon.core.clientip, from TRUSTED_PROXIES only."""
    served()
    assert "--proxy-headers" not in served.daphne_args
