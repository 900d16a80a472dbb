"""What the audit log's hash chain costs: ``record()``, sealing and ``verify-audit``.

    # SQLite in a scratch directory
    .venv/bin/python bench/audit_chain.py [--events 100000] [--records 2000] [--rounds 3]
    # PostgreSQL (created if missing and migrated; the events the run adds are deleted at the end)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_audit .venv/bin/python bench/audit_chain.py

Measured, each beside a floor from the same run:

* ``record()`` as a service calls it, one event per transaction (µs per call). Its code did not
  change; what the chain adds to it is two columns and two indexes (the unique ``seq``, the partial
  index of unsealed events). On PostgreSQL the run alternates rounds with those indexes and rounds
  with them dropped (the "before"), median of ``--rounds``. Floor: the same row as one raw
  ``INSERT`` per transaction.
* ``chain.seal()`` over ``--events`` unsealed events (events/s). Floor: reading the same rows in
  id order, ``BATCH`` at a time, without hashing or writing.
* ``chain.verify()`` over the sealed chain (entries/s). Floor: reading the same rows in seq order
  through the same server-side iterator, without hashing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taavon.settings")
os.environ.setdefault("DEBUG", "false")  # no query log
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # required without DEBUG; nothing is signed
os.environ.setdefault("JOBS_IMMEDIATE", "false")
os.environ.setdefault("TAAVON_VAR_DIR", tempfile.mkdtemp(prefix="taavon-bench-audit-"))

AFTER = {
    "name": "تعاونی مصرف کارکنان",
    "phone": "02188776655",
    "address": "تهران، خیابان آزادی، پلاک ۱۲",
    "paid_in_capital": "1000000000",
    "status": "active",
    "updated_at": "2026-12-02T10:00:00+03:30",
}


def setup() -> None:
    import django
    import run
    from django.core.management import call_command

    run.ensure_database(recreate=False)  # PostgreSQL: created if missing
    django.setup()
    call_command("migrate", "--no-input", "-v", "0")


def target():
    from taavon.geo.models import Province

    return Province.objects.order_by("code").first()


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def record_calls(obj, count: int) -> float:
    """µs per ``record()``, each in its own transaction as in a service."""
    from django.db import transaction

    from taavon.audit.services import record

    def run():
        for n in range(count):
            with transaction.atomic():
                record(None, "cooperative.update", obj, before={"n": n}, after=AFTER)

    return timed(run) / count * 1e6


def raw_inserts(obj, count: int) -> float:
    """µs per single-row INSERT of the same event as raw SQL, each in its own transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    sql = (
        "INSERT INTO audit_auditevent (at, actor_label, action, object_type, object_id, object_label, "
        f"before, after, digest) VALUES (%s, 'system', 'cooperative.update', 'geo.province', %s, %s, {cast}, {cast}, '')"
    )
    after = json.dumps(AFTER, ensure_ascii=False)

    def run():
        for n in range(count):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [timezone.now(), str(obj.pk), str(obj), json.dumps({"n": n}), after])

    return timed(run) / count * 1e6


CHAIN_INDEXES_PG = [
    ("DROP INDEX audit_event_unsealed", "CREATE INDEX audit_event_unsealed ON audit_auditevent (id) WHERE seq IS NULL"),
    (
        "ALTER TABLE audit_auditevent DROP CONSTRAINT {unique}",
        "ALTER TABLE audit_auditevent ADD CONSTRAINT {unique} UNIQUE (seq)",
    ),
]


def unique_constraint_pg() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'audit_auditevent'::regclass AND contype = 'u'"
        )
        return cursor.fetchone()[0]


def chain_indexes(present: bool, unique: str) -> None:
    """Create (``present``) or drop the two indexes the chain added to the events' table (PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for drop, create in CHAIN_INDEXES_PG:
            cursor.execute((create if present else drop).format(unique=unique))


def fill(count: int) -> None:
    """``count`` unsealed events, written in bulk (not what is measured)."""
    from taavon.audit.models import AuditEvent

    obj = target()
    for start in range(0, count, 5000):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor_label="system",
                action="cooperative.update",
                object_type="geo.province",
                object_id=str(obj.pk),
                object_label=str(obj),
                before={"n": n},
                after=AFTER,
            )
            for n in range(start, min(start + 5000, count))
        )


def read_floor(order: str, count: int) -> float:
    from taavon.audit import chain
    from taavon.audit.models import AuditEvent

    qs = AuditEvent.objects.order_by(order).values_list("seq", "digest", *chain._READ)

    def run():
        for _ in qs.iterator(chunk_size=chain.CHUNK):
            pass

    return count / timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="unsealed events to seal and verify")
    parser.add_argument("--records", type=int, default=2000, help="record() calls per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup()

    from django.db import connection

    from taavon.audit import chain
    from taavon.audit.models import AuditEvent, ChainHead

    vendor = connection.vendor
    first_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    chain.seal()  # whatever the database held before is not part of the run
    obj = target()
    print(f"database: {vendor} {connection.settings_dict['NAME']}; load average {os.getloadavg()[0]:.1f}")

    results: dict[str, list[float]] = {"record": [], "record_before": [], "insert_floor": []}
    for _ in range(args.rounds):
        results["record"].append(record_calls(obj, args.records))
        results["insert_floor"].append(raw_inserts(obj, args.records))
        if vendor == "postgresql":
            unique = unique_constraint_pg()
            chain_indexes(False, unique)
            try:
                results["record_before"].append(record_calls(obj, args.records))
            finally:
                chain_indexes(True, unique)
    print(f"record(), one per transaction, median of {args.rounds} rounds of {args.records}:")
    print(f"  with the chain's indexes          {statistics.median(results['record']):8.0f} µs")
    if results["record_before"]:
        print(f"  without them (before the chain)   {statistics.median(results['record_before']):8.0f} µs")
    print(f"  floor: the same row, raw INSERT   {statistics.median(results['insert_floor']):8.0f} µs")
    chain.seal()

    fill(args.events)
    floor = read_floor("id", args.events)
    seconds = timed(chain.seal)
    print(f"seal() of {args.events:,} events: {seconds:.1f} s, {args.events / seconds:,.0f} events/s "
          f"(floor: reading them, {floor:,.0f} rows/s)")

    total = AuditEvent.objects.filter(seq__gte=0).count()
    floor = read_floor("seq", total)
    problems: list = []
    seconds = timed(lambda: problems.extend(chain.verify()))
    print(f"verify() of {total:,} entries: {seconds:.1f} s, {total / seconds:,.0f} entries/s "
          f"(floor: reading them, {floor:,.0f} rows/s); problems: {len(problems)}")

    # Leave the database as it was: the run's events go, and the head returns to the last one kept.
    AuditEvent.objects.filter(id__gte=first_id).delete()
    ChainHead.objects.all().delete()
    chain.seal()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
