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


def test_a_restart_serves_at_once_without_collecting_the_static_files_again(served, monkeypatch, tmp_path):
    """Collecting took 40 s to 2.5 minutes at every start; it is the install's job."""
    import taavon.core.management.commands.serve as serve_command

    collected = []
    real_call = serve_command.call_command
    monkeypatch.setattr(
        serve_command, "call_command",
        lambda name, *a, **k: collected.append(name) if name == "collectstatic" else real_call(name, *a, **k),
    )
    monkeypatch.setattr("django.conf.settings.STATIC_ROOT", tmp_path)
    monkeypatch.setattr("django.conf.settings.DEBUG", False)
    original = serve_command.Command.handle

    def handle_as_production(self, *args, **options):
        from django.conf import settings

        settings.DEBUG = False  # the fixture sets DEBUG for the demo; a production start has it off
        return original(self, *args, **options)

    monkeypatch.setattr(serve_command.Command, "handle", handle_as_production)
    served()
    assert collected == ["collectstatic"]  # a first start without a collection

    (tmp_path / "staticfiles.json").write_text("{}")
    collected.clear()
    served()
    assert collected == []
