"""The audit log is a hash chain: what an official records is sealed, and what a database
administrator changes, removes or inserts afterwards is named by ``taavon verify-audit``."""

import datetime
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from taavon import jobs
from taavon.accounts.models import Role
from taavon.audit import chain
from taavon.audit.models import AuditEvent, ChainHead
from taavon.audit.services import record
from taavon.cli import main as taavon
from taavon.jobs import registry as job_registry
from taavon.jobs.scheduler import Scheduler
from taavon.jobs.testing import deferred
from taavon.registry import services as registry
from tests import helpers

pytestmark = pytest.mark.django_db


def events(count: int, coop=None) -> list[AuditEvent]:
    """``count`` events an official records, one after the other, each with its own ``after``."""
    coop = coop or helpers.cooperative()
    return [record(None, "cooperative.update", coop, after={"phone": f"0210000{n:04d}"}) for n in range(count)]


def sealed_log(count: int = 5) -> list[AuditEvent]:
    made = events(count)
    chain.seal()
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in made]).order_by("seq"))


def verify_audit(*args: str) -> tuple[int, str, str]:
    """Run ``taavon verify-audit`` (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify-audit", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = 1
    return status, out.getvalue(), err.getvalue()


def sql(statement: str, params=()) -> None:
    """What a database administrator types, past the application."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def as_json(placeholder: str = "%s") -> str:
    return f"CAST({placeholder} AS jsonb)" if connection.vendor == "postgresql" else placeholder


def documented_digest(previous: str, row: dict) -> str:
    """The digest as the module docstring tells an outside verifier to compute it, by hand."""
    fields = dict(row)
    fields["at"] = row["at"].astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


# --------------------------------------------------------------------------- sealing


def test_an_officials_change_is_recorded_then_sealed_into_the_chain():
    coop = helpers.cooperative()
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    registry.update_cooperative(actor=officer, cooperative=coop, phone="02188776655")
    event = AuditEvent.objects.get(action="cooperative.update", object_id=str(coop.pk))
    assert event.seq is None and chain.entry_of(event) is None  # recorded at once, sealed later

    sealed = chain.seal()

    entry = chain.entry_of(event)
    assert sealed >= 1 and entry is not None
    assert chain.head().seq == AuditEvent.objects.filter(seq__isnull=False).count()
    assert chain.verify() == []
    # Anyone with a copy of the table recomputes the same digest from the docstring's recipe.
    row = AuditEvent.objects.filter(pk=event.pk).values(*chain.FIELDS).get()
    before = AuditEvent.objects.filter(seq=entry.seq - 1).values_list("digest", flat=True).first() or chain.GENESIS
    assert documented_digest(before, row) == entry.digest
    assert status_of(verify_audit()) == 0


def status_of(result: tuple[int, str, str]) -> int:
    return result[0]


def test_sealing_goes_in_batches_and_continues_where_the_last_sealer_stopped(monkeypatch):
    monkeypatch.setattr(chain, "BATCH", 3)
    events(7)
    assert chain.seal(limit=5) == 5
    assert chain.head().seq == 5
    events(2)
    assert chain.seal() == 4
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 10))
    assert chain.verify() == []


def test_the_periodic_job_seals_what_was_recorded_since_the_last_minute():
    task = job_registry.find("audit.seal")
    assert task is not None and task.every == datetime.timedelta(minutes=1)
    made = events(3)
    with deferred():
        Scheduler().run()  # a worker's scheduler, fresh (the module's own one remembers across tests)
        jobs.run_all()
    assert all(chain.entry_of(e) for e in made)


def test_a_backlog_is_sealed_by_jobs_that_queue_the_next_one(monkeypatch):
    from taavon.audit import tasks

    monkeypatch.setattr(tasks, "JOB_LIMIT", 2)
    made = events(5)
    with deferred():
        jobs.enqueue(tasks.seal)
        jobs.run_all()
    assert all(chain.entry_of(e) for e in made)
    assert chain.verify() == []


def test_a_sealed_event_still_cannot_be_changed_through_the_application():
    event = sealed_log(1)[0]
    event.after = {"phone": "forged"}
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


# --------------------------------------------------------------------------- a database administrator


def test_an_update_of_one_events_after_by_raw_sql_is_named():
    log = sealed_log(5)
    target = log[2]
    sql(f"UPDATE audit_auditevent SET after = {as_json()} WHERE id = %s", [json.dumps({"phone": "09999999999"}), target.pk])

    problems = chain.verify()

    assert [(p.kind, p.seq, p.event_id) for p in problems] == [("changed", target.seq, target.pk)]
    status, out, err = verify_audit()
    assert status == 1
    assert f"Entry {target.seq} (event {target.pk}, cooperative.update of registry.cooperative" in err
    assert "does not match its digest" in err and "VERIFICATION FAILED" in err


def test_a_delete_of_one_event_by_raw_sql_is_named():
    log = sealed_log(5)
    gone, after_it = log[1], log[2]
    sql("DELETE FROM audit_auditevent WHERE id = %s", [gone.pk])

    problems = chain.verify()

    assert [(p.kind, p.seq) for p in problems] == [("removed", after_it.seq)]
    assert f"entry {gone.seq} was removed" in problems[0].message
    assert status_of(verify_audit()) == 1


def test_a_delete_of_the_last_events_is_named_by_the_head_row():
    log = sealed_log(5)
    sql("DELETE FROM audit_auditevent WHERE seq >= %s", [log[3].seq])

    problems = chain.verify()

    assert [p.kind for p in problems] == ["removed"]
    assert f"The chain ends at entry {log[2].seq} but its head row says {log[4].seq}" in problems[0].message


def insert_forged(*, seq, digest="f" * 64, at=None) -> int:
    """A row written straight into the table, as a database administrator could."""
    sql(
        "INSERT INTO audit_auditevent (at, actor_label, action, object_type, object_id, object_label, "
        f"before, after, seq, digest) VALUES (%s, 'system', 'cooperative.update', 'registry.cooperative', "
        f"'1', 'forged', NULL, {as_json()}, %s, %s)",
        [at or timezone.now(), json.dumps({"phone": "0"}), seq, digest],
    )
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


def test_an_insert_with_a_forged_seq_is_named():
    log = sealed_log(3)
    forged = insert_forged(seq=log[-1].seq + 1)

    # The sealer never went that far.
    assert [(p.kind, p.event_id) for p in chain.verify()] == [("inserted", forged)]
    assert status_of(verify_audit()) == 1

    # Moving the head row along does not help: the forged digest does not follow from the chain.
    sql("UPDATE audit_chainhead SET seq = %s, digest = %s", [log[-1].seq + 1, "f" * 64])
    assert [(p.kind, p.event_id) for p in chain.verify()] == [("changed", forged)]


def test_an_insert_with_a_seq_past_a_gap_is_named():
    log = sealed_log(3)
    forged = insert_forged(seq=log[-1].seq + 5)

    messages = [p.message for p in chain.verify() if p.event_id == forged]

    assert any("lies past the chain's head" in m for m in messages)


def test_an_unsealed_event_dated_in_the_past_is_named_and_stays_named_once_sealed():
    sealed_log(3)
    forged = insert_forged(seq=None, digest="", at=timezone.now() - datetime.timedelta(days=2))

    assert [(p.kind, p.event_id) for p in chain.verify()] == [("inserted", forged)]
    chain.seal()  # the sealer cannot tell, and must not stall the log on it
    problems = chain.verify()
    assert [(p.kind, p.event_id) for p in problems] == [("inserted", forged)]
    assert "written into the log afterwards" in problems[0].message


def recompute_from(seq: int) -> None:
    """What a careful administrator does after a change: every digest from ``seq`` on, and the head row."""
    previous = AuditEvent.objects.filter(seq=seq - 1).values_list("digest", flat=True).first() or chain.GENESIS
    for row in AuditEvent.objects.filter(seq__gte=seq).order_by("seq").values(*chain.FIELDS):
        previous = chain.link(previous, row)
        sql("UPDATE audit_auditevent SET digest = %s WHERE id = %s", [previous, row["id"]])
    sql("UPDATE audit_chainhead SET digest = %s", [previous])


def test_a_chain_recomputed_after_a_change_is_caught_by_a_head_printed_before():
    log = sealed_log(6)
    printed = chain.head()  # e.g. in the minutes of a meeting
    assert verify_audit("--expect-head", str(printed))[0] == 0

    target = log[1]
    sql(f"UPDATE audit_auditevent SET after = {as_json()} WHERE id = %s", [json.dumps({"phone": "1"}), target.pk])
    recompute_from(target.seq)

    assert chain.verify() == []  # consistent in itself
    problems = chain.verify(expect=printed)
    assert [p.kind for p in problems] == ["head"]
    status, _, err = verify_audit("--expect-head", str(printed))
    assert status == 1
    assert f"The head printed earlier ({printed}) no longer matches" in err


def test_a_head_printed_before_the_last_entries_were_removed_is_gone():
    log = sealed_log(4)
    printed = chain.head()
    sql("DELETE FROM audit_auditevent WHERE id = %s", [log[-1].pk])
    sql("UPDATE audit_chainhead SET seq = %s, digest = %s", [log[-2].seq, log[-2].digest])

    assert chain.verify() == []
    assert [p.kind for p in chain.verify(expect=printed)] == ["removed"]


# --------------------------------------------------------------------------- the command


def test_the_command_prints_the_head_and_exits_zero_when_the_log_is_intact():
    sealed_log(3)
    events(2)
    status, out, _ = verify_audit()
    head = chain.head()
    assert status == 0
    assert f"Audit log head: {head.seq}:{head.digest}" in out
    assert "2 events waiting to be sealed" in out and "OK: the audit log is intact." in out

    status, out, _ = verify_audit("--seal")
    assert status == 0 and "Sealed 2 waiting events." in out and "0 events waiting" in out


def test_the_shell_command_exits_one_on_a_problem_and_two_on_a_malformed_head(capsys, monkeypatch):
    from django.db import connections

    # A command run from the shell closes the connections when it ends; this one carries the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    log = sealed_log(2)
    taavon(["verify-audit"])  # returns: exit status 0
    assert "OK: the audit log is intact." in capsys.readouterr().out

    sql("DELETE FROM audit_auditevent WHERE id = %s", [log[0].pk])
    with pytest.raises(SystemExit) as exit_:
        taavon(["verify-audit"])
    assert exit_.value.code == 1
    assert "VERIFICATION FAILED" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exit_:
        taavon(["verify-audit", "--expect-head", "12:not-a-digest"])
    assert exit_.value.code == 2
    assert "is not a head" in capsys.readouterr().err


# --------------------------------------------------------------------------- the back office


def test_the_admin_list_of_audit_events_shows_each_events_place_in_the_chain(client):
    event = sealed_log(1)[0]
    admin = helpers.user(Role.ADMINISTRATOR)
    client.force_login(admin)

    listing = client.get("/admin/audit/auditevent/")
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")

    assert listing.status_code == 200 and event.digest[:16] in listing.content.decode()
    assert page.status_code == 200 and event.digest in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # read-only: nothing to save


# --------------------------------------------------------------------------- two sealers at once


@pytest.mark.django_db(transaction=True)
def test_sealers_running_at_once_beside_new_events_give_one_chain_without_gaps(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL: SQLite serialises every write anyway")
    monkeypatch.setattr(chain, "BATCH", 25)
    coop = helpers.cooperative()
    events(200, coop)

    def official():
        for n in range(20):
            record(None, "cooperative.update", coop, after={"n": n})
        return 0

    results = helpers.at_once(*([chain.seal] * 6), *([official] * 4))
    results.append(chain.seal())

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 280
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 281))
    assert ChainHead.objects.get().seq == 280
    assert chain.verify() == []
