"""Work that must happen is a row written with the change that causes it, and a worker runs it:
at least once, again after a failure (later each time), into a list administrators read when it
keeps failing, and never lost because a worker died or the change rolled back."""

import datetime
import threading
import zoneinfo
from collections import Counter

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from taavon import jobs
from taavon.accounts.models import Role
from taavon.jobs import registry, testing
from taavon.jobs.models import Job
from taavon.jobs.queue import _claim_next, _execute
from taavon.jobs.scheduler import Scheduler
from taavon.jobs.tasks import purge_done
from tests import helpers

pytestmark = pytest.mark.django_db

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")

# What the test tasks did, as an SMS inbox would show it.
done: list[str] = []
_lock = threading.Lock()
outage = {"on": False}


@jobs.task(name="tests.jobs.send_notice", max_attempts=3, retry_delay=10)
def send_notice(*, to: str) -> None:
    if outage["on"]:
        raise ConnectionError("the SMS gateway does not answer")
    with _lock:
        done.append(to)


_failures_left: dict[str, int] = {}


@jobs.task(name="tests.jobs.flaky_notice", max_attempts=5, retry_delay=10)
def flaky_notice(*, to: str) -> None:
    if _failures_left.get(to, 0):
        _failures_left[to] -= 1
        raise ConnectionError("the SMS gateway does not answer")
    done.append(to)


@jobs.task(name="tests.jobs.half_done", max_attempts=3, retry_delay=10)
def half_done(*, to: str) -> None:
    jobs.enqueue(send_notice, to=f"{to} (follow-up)")  # a write of the job itself
    raise RuntimeError("stopped halfway")


@jobs.task(name="tests.jobs.notice_with_receipt")
def notice_with_receipt(*, to: str) -> None:
    jobs.enqueue(send_notice, to=f"{to} (receipt)")


@jobs.periodic(name="tests.jobs.daily_report", every=datetime.timedelta(days=1))
def daily_report() -> None:
    done.append("daily report")


@pytest.fixture(autouse=True)
def _clean_slate():
    done.clear()
    _failures_left.clear()
    outage["on"] = False
    yield
    outage["on"] = False


@pytest.fixture
def deferred():
    """Jobs wait for the worker, as in production."""
    with testing.deferred():
        yield


def later(**delta: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


def the_worker_runs(*, now: datetime.datetime | None = None) -> int:
    return jobs.run_all(now=now)


def the_job(name: str) -> Job:
    return Job.objects.get(name=name)


def administrator_client(client):
    client.force_login(helpers.user(Role.ADMINISTRATOR))
    return client


# Enqueue in the caller's transaction


def test_a_job_queued_by_a_change_that_rolls_back_is_never_run(deferred):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue(send_notice, to="09120000001")
        raise RuntimeError("the change failed")

    assert not Job.objects.exists()
    assert the_worker_runs() == 0
    assert done == []


def test_a_job_queued_by_a_committed_change_runs_once(deferred):
    with transaction.atomic():
        job = jobs.enqueue(send_notice, to="09120000001")
    assert job is not None and job.state == Job.State.QUEUED

    assert the_worker_runs() == 1
    assert the_worker_runs() == 0

    assert done == ["09120000001"]
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 1 and job.finished_at is not None


def test_a_task_may_be_named_instead_of_imported(deferred):
    jobs.enqueue("tests.jobs.send_notice", to="09120000002")
    the_worker_runs()
    assert done == ["09120000002"]


def test_an_unknown_task_or_arguments_json_cannot_hold_are_refused_at_once(deferred):
    with pytest.raises(LookupError):
        jobs.enqueue("tests.jobs.no_such_task")
    with pytest.raises(TypeError):
        jobs.enqueue(send_notice, to=datetime.date(2025, 1, 1))
    assert not Job.objects.exists()


def test_a_delayed_job_waits_for_its_time(deferred):
    jobs.enqueue(send_notice, to="09120000003", delay=datetime.timedelta(minutes=5))
    assert the_worker_runs() == 0
    assert the_worker_runs(now=later(minutes=6)) == 1
    assert done == ["09120000003"]


# Retries and failure


def test_a_task_that_fails_twice_is_retried_later_each_time_and_ends_done(deferred):
    _failures_left["09120000004"] = 2
    jobs.enqueue(flaky_notice, to="09120000004")

    before = timezone.now()
    the_worker_runs()
    job = the_job("tests.jobs.flaky_notice")
    assert job.state == Job.State.QUEUED and job.attempts == 1
    assert "ConnectionError: the SMS gateway does not answer" in job.last_error
    first_wait = job.run_after - before
    assert datetime.timedelta(seconds=10) <= first_wait < datetime.timedelta(seconds=12)
    assert the_worker_runs() == 0  # not before its time

    second = job.run_after + datetime.timedelta(seconds=1)
    the_worker_runs(now=second)
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.attempts == 2
    assert job.run_after - second == datetime.timedelta(seconds=20)  # twice the first wait

    the_worker_runs(now=job.run_after)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 3
    assert done == ["09120000004"]


def test_the_wait_between_attempts_is_capped(settings):
    from taavon.jobs.queue import backoff
    from taavon.jobs.registry import get

    settings.JOBS_MAX_RETRY_DELAY_SECONDS = 3600
    assert backoff(get("tests.jobs.flaky_notice"), 1) == datetime.timedelta(seconds=10)
    assert backoff(get("tests.jobs.flaky_notice"), 4) == datetime.timedelta(seconds=80)
    assert backoff(get("tests.jobs.flaky_notice"), 500) == datetime.timedelta(hours=1)


def test_a_failing_job_leaves_none_of_its_own_writes(deferred):
    jobs.enqueue(half_done, to="09120000005")
    the_worker_runs()

    assert not Job.objects.filter(name="tests.jobs.send_notice").exists()  # its follow-up rolled back
    job = the_job("tests.jobs.half_done")
    assert job.state == Job.State.QUEUED and "RuntimeError: stopped halfway" in job.last_error


def test_one_failing_job_does_not_stop_the_others(deferred):
    outage["on"] = True
    jobs.enqueue(send_notice, to="09120000006")
    jobs.enqueue(flaky_notice, to="09120000007")

    assert the_worker_runs() == 2
    assert done == ["09120000007"]


def test_a_job_that_always_fails_ends_in_the_administrators_failed_list_and_can_be_retried(deferred, en):
    outage["on"] = True
    jobs.enqueue(send_notice, to="09120000008")
    for day in range(1, 4):
        the_worker_runs(now=later(days=day))
    job = the_job("tests.jobs.send_notice")
    assert job.state == Job.State.FAILED and job.attempts == 3 and job.finished_at is not None
    assert "Traceback" in job.last_error and "ConnectionError" in job.last_error
    assert the_worker_runs(now=later(days=30)) == 0  # given up

    admin = administrator_client(en)
    changelist = reverse("admin:jobs_job_changelist")
    listing = admin.get(changelist, {"state__exact": "failed"}).content.decode()
    assert "tests.jobs.send_notice" in listing
    assert "ConnectionError: the SMS gateway does not answer" in listing
    page = admin.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "Traceback" in page

    outage["on"] = False  # the gateway is back
    response = admin.post(changelist, {"action": "retry", "_selected_action": [job.pk]}, follow=True)
    assert "1 job queued to run again." in response.content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.attempts == 0

    the_worker_runs()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert done == ["09120000008"]


def test_only_administrators_see_the_jobs(deferred, client):
    client.force_login(helpers.user(Role.SUPERVISOR, province=helpers.province()))
    assert client.get(reverse("admin:jobs_job_changelist")).status_code in (302, 403)


# Dead workers and many workers


def test_the_job_of_a_worker_that_died_runs_again_once_its_lease_expires(deferred, settings):
    settings.JOBS_LEASE_SECONDS = 60
    jobs.enqueue(send_notice, to="09120000009")
    claimed = _claim_next(worker_id="worker-that-dies", now=timezone.now())  # … and the process is killed
    assert claimed is not None and the_job("tests.jobs.send_notice").state == Job.State.RUNNING

    assert the_worker_runs() == 0  # still leased
    assert the_worker_runs(now=later(seconds=61)) == 1

    job = the_job("tests.jobs.send_notice")
    assert job.state == Job.State.DONE and job.attempts == 2
    assert done == ["09120000009"]


def test_a_job_that_keeps_killing_its_worker_ends_failed(deferred, settings):
    settings.JOBS_LEASE_SECONDS = 60
    jobs.enqueue(send_notice, to="09120000010")
    for n in range(3):
        assert _claim_next(worker_id=f"worker-{n}", now=later(minutes=2 * n)) is not None

    assert the_worker_runs(now=later(minutes=10)) == 0
    job = the_job("tests.jobs.send_notice")
    assert job.state == Job.State.FAILED and "worker-2 stopped" in job.last_error
    assert done == []


def test_a_worker_that_lost_its_lease_does_not_commit_the_job(deferred, settings):
    """The slow worker finishes after another took its job over: its writes are rolled back."""
    settings.JOBS_LEASE_SECONDS = 60
    jobs.enqueue(notice_with_receipt, to="09120000015")
    slow = _claim_next(worker_id="slow", now=timezone.now())
    assert _claim_next(worker_id="fast", now=later(seconds=61)) is not None

    assert _execute(slow, worker_id="slow", now=None) is False

    assert not Job.objects.filter(name="tests.jobs.send_notice").exists()  # the receipt rolled back
    job = the_job("tests.jobs.notice_with_receipt")
    assert job.state == Job.State.RUNNING and job.worker == "fast"


# Dedupe keys


def test_a_second_job_with_the_same_key_is_not_queued(deferred):
    with transaction.atomic():
        first = jobs.enqueue(send_notice, key="close-item-7", to="09120000011")
        second = jobs.enqueue(send_notice, key="close-item-7", to="09120000011")
        assert Job.objects.count() == 1  # the transaction is still usable (PostgreSQL)
    assert first is not None and second is None

    the_worker_runs()
    assert jobs.enqueue(send_notice, key="close-item-7", to="09120000011") is None
    the_worker_runs()
    assert done == ["09120000011"]


# Periodic jobs


def test_two_schedulers_queue_one_job_per_day(deferred):
    one, two = Scheduler(), Scheduler()
    moments = [
        datetime.datetime(2025, 3, 10, 0, 5, tzinfo=TEHRAN),
        datetime.datetime(2025, 3, 10, 9, 0, tzinfo=TEHRAN),
        datetime.datetime(2025, 3, 10, 23, 59, tzinfo=TEHRAN),
        datetime.datetime(2025, 3, 11, 0, 1, tzinfo=TEHRAN),
        datetime.datetime(2025, 3, 11, 18, 0, tzinfo=TEHRAN),
    ]
    for moment in moments:
        one.run(now=moment)
        two.run(now=moment)
        Scheduler().run(now=moment)  # a worker process that just started

    keys = sorted(Job.objects.filter(name="tests.jobs.daily_report").values_list("key", flat=True))
    assert keys == [
        "tests.jobs.daily_report@2025-03-10T00:00:00+03:30",
        "tests.jobs.daily_report@2025-03-11T00:00:00+03:30",
    ]
    the_worker_runs()
    assert done == ["daily report", "daily report"]


def test_the_housekeeping_deletes_old_done_jobs_and_keeps_failed_ones(deferred, settings):
    settings.JOBS_KEEP_DONE_DAYS = 7
    old, recent, failed = (jobs.enqueue(send_notice, to=to) for to in ("old", "recent", "failed"))
    Job.objects.filter(pk=old.pk).update(state=Job.State.DONE, finished_at=later(days=-8))
    Job.objects.filter(pk=recent.pk).update(state=Job.State.DONE, finished_at=later(days=-1))
    Job.objects.filter(pk=failed.pk).update(state=Job.State.FAILED, finished_at=later(days=-30))

    assert purge_done() == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert "jobs.purge_done" in [t.name for t in registry.periodic_tasks()]


# Immediate mode (tests)


def test_in_tests_a_job_runs_right_after_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.enqueue(send_notice, to="09120000012")
        assert done == []  # not before the commit

    assert done == ["09120000012"]
    assert the_job("tests.jobs.send_notice").state == Job.State.DONE


def test_in_tests_a_failing_job_is_recorded_and_never_raises_into_the_caller(django_capture_on_commit_callbacks):
    outage["on"] = True
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.enqueue(send_notice, to="09120000013")

    job = the_job("tests.jobs.send_notice")
    assert job.state == Job.State.QUEUED and job.attempts == 1 and "ConnectionError" in job.last_error
    outage["on"] = False
    the_worker_runs(now=later(minutes=1))
    assert done == ["09120000013"]


@pytest.mark.django_db(transaction=True)
def test_in_tests_a_job_runs_after_a_real_commit():
    with transaction.atomic():
        jobs.enqueue(send_notice, to="09120000014")
        assert done == []
    assert done == ["09120000014"]


# Worker threads


@pytest.mark.django_db(transaction=True)
def test_worker_threads_run_what_is_queued_and_stop_cleanly(deferred):
    with transaction.atomic():
        for n in range(20):
            jobs.enqueue(send_notice, to=f"0912{n:07d}")

    # In-memory SQLite (tests only) locks whole tables without waiting, so threads would trip over
    # each other there; the file database of `make run` waits (WAL, timeout) and PostgreSQL skips.
    threads = 2 if connection.vendor == "postgresql" else 1
    worker = jobs.Worker(threads=threads, idle_sleep=0.05, schedule_every=3600)
    worker.start()
    try:
        # Watched through what the jobs did, not the table: in-memory SQLite locks whole tables.
        for _ in range(600):
            if len([d for d in done if d.startswith("0912")]) == 20:
                break
            threading.Event().wait(0.05)
    finally:
        worker.stop(timeout=10)

    assert not worker._threads
    assert sorted(d for d in done if d.startswith("0912")) == sorted(f"0912{n:07d}" for n in range(20))
    assert done.count("daily report") == 1  # the worker's scheduler queued today's
    assert Job.objects.filter(name="tests.jobs.send_notice", state=Job.State.DONE).count() == 20


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_of_200_jobs_exactly_once(deferred):
    with transaction.atomic():
        for n in range(200):
            jobs.enqueue(send_notice, to=f"{n}")
    barrier = threading.Barrier(2)

    def work(i: int) -> None:
        try:
            barrier.wait()
            while jobs.run_pending(worker_id=f"worker-{i}", limit=10):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    counts = Counter(done)
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert Job.objects.filter(state=Job.State.DONE).count() == 200
    assert set(Job.objects.values_list("worker", flat=True)) == {"worker-0", "worker-1"}  # both shared the work


# Finding the tasks


def test_tasks_of_an_apps_sub_packages_are_found(tmp_path, monkeypatch):
    from taavon.jobs.registry import import_sub_package_tasks

    app = tmp_path / "jobs_fake_app"
    (app / "voting").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "voting" / "__init__.py").write_text("")
    (app / "voting" / "tasks.py").write_text(
        "from taavon import jobs\n\n\n"
        "@jobs.task(name='tests.jobs.fake_rewrite')\n"
        "def rewrite() -> None:\n"
        "    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    assert import_sub_package_tasks([("jobs_fake_app", app)], base=tmp_path) == ["jobs_fake_app.voting.tasks"]
    assert registry.find("tests.jobs.fake_rewrite") is not None
    assert import_sub_package_tasks([("jobs_fake_app", app)], base=tmp_path / "elsewhere") == []


def test_the_housekeeping_task_is_found_when_django_starts():
    assert "jobs.purge_done" in registry.names()


def test_run_jobs_once_runs_what_is_due_and_queues_the_periodic_jobs(deferred):
    from io import StringIO

    from django.core.management import call_command

    jobs.enqueue(send_notice, to="09120000016")
    out = StringIO()
    call_command("run_jobs", "--once", stdout=out)

    assert sorted(done) == ["09120000016", "daily report"]
    assert Job.objects.filter(name="jobs.purge_done", state=Job.State.DONE).count() == 1
    assert "jobs run" in out.getvalue()
