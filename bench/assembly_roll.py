"""Freezing a 1,000,000-member voter roll: ``convening.publish_notice`` on a cooperative of a million.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_bench_assemblies \\
        .venv/bin/python bench/assembly_roll.py [--members 1000000] [--compare before-0004,fk,no-single-indexes]
        [--explain]
        [--keep] [--json out.json] [--setup] [--quick]

Set-up: a cooperative of ``--members`` active, verified members (people loaded with ``COPY``,
memberships with ``INSERT … SELECT``; reused from an earlier run when one exists), an officer, and
a draft electronic annual assembly with one motion, starting in 25 days, with a newspaper notice
(above 100 members the law wants one).

Timed: the whole ``convening.publish_notice(actor=officer, assembly=…, newspaper=…, newspaper_date=today)``
call, one transaction: re-running the convening checks (``check_convening``: counts over the
million memberships), snapshotting the rules, the roll freeze (``_freeze_roll``: one
``INSERT … SELECT`` of every active membership), the event log and audit entries, the commit,
and, in the same transaction, queueing the notices. Jobs are *not* immediate: the notices are only
queued (one fan-out job row, deleted afterwards) and never sent. The checks and the freeze are also timed on their own, from inside
the same call. Afterwards: the roll has ``--members`` entries and ``roll_size`` says so.

``--compare VARIANT[,VARIANT…]`` then publishes one more draft assembly per variant, with the
roll table changed for the duration and put back afterwards (the variant's roll is deleted first).
Since migration ``assemblies/0004_lean_roll_and_ballot_indexes`` the roll has no foreign-key
constraint and no single-column index on ``assembly_id`` or ``membership_id`` ("lean"); the
variants put back what the migrations removed, or remove more:

* ``before-0004``: the deferred foreign key of ``RollEntry.assembly`` (one trigger call per roll
  row at COMMIT) and the single-column indexes on ``assembly_id`` and ``membership_id`` put back —
  the roll as it was between migrations 0003 and 0004;
* ``assembly-fk``: only that foreign key put back;
* ``redundant-indexes``: only those two indexes put back;
* ``fk``: ``before-0004`` and the two foreign keys of ``RollEntry.person`` /
  ``RollEntry.membership`` (``NOT VALID``: only new rows are checked) — the roll as it was before
  migration ``assemblies/0003_roll_without_fk_locks``;
* ``no-single-indexes``: without the index on ``person_id`` either (for reference: it finds the
  assemblies a person is on the roll of, so it stays);
* ``no-assembly-fk``, ``no-redundant-indexes``, ``lean``: the variants measured before 0004,
  which drop what is there (now nothing: each measures the current schema again).

``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the freeze's INSERT … SELECT with the deferred
constraints made immediate (so their triggers show), rolled back.
"""

from __future__ import annotations

import argparse
import datetime
import sys

import assembly_setup as bench

ROLL_FKS = {
    "bench_tmp_rollentry_person_fk": "FOREIGN KEY (person_id) REFERENCES registry_person (id)",
    "bench_tmp_rollentry_membership_fk": "FOREIGN KEY (membership_id) REFERENCES registry_membership (id)",
}
ASSEMBLY_FK = (
    "bench_tmp_rollentry_assembly_fk",
    "FOREIGN KEY (assembly_id) REFERENCES assemblies_assembly (id) DEFERRABLE INITIALLY DEFERRED NOT VALID",
)
SINGLE_INDEXES = {
    "bench_tmp_rollentry_assembly_idx": "assembly_id",
    "bench_tmp_rollentry_membership_idx": "membership_id",
}
VARIANTS = {
    "before-0004": "with the assembly foreign key and the assembly_id / membership_id indexes put back (before 0004)",
    "assembly-fk": "with the roll's assembly foreign key put back",
    "redundant-indexes": "with the single-column indexes on assembly_id and membership_id put back",
    "fk": "with every foreign key and index of the roll put back (as before migration 0003)",
    "no-assembly-fk": "without the roll's assembly foreign key either",
    "no-redundant-indexes": "without the single-column indexes on assembly_id and membership_id",
    "no-single-indexes": "without the single-column indexes on assembly_id, membership_id and person_id",
    "lean": "without the assembly foreign key and the indexes on assembly_id and membership_id",
}


def variant_change(name: str) -> tuple[list[str], list[str]]:
    """(SQL changing the roll table for variant ``name``, SQL putting it back)."""
    if name == "assembly-fk":
        constraint, definition = ASSEMBLY_FK
        return (
            [f"ALTER TABLE assemblies_rollentry ADD CONSTRAINT {constraint} {definition}"],
            [f"ALTER TABLE assemblies_rollentry DROP CONSTRAINT IF EXISTS {constraint}"],
        )
    if name == "redundant-indexes":
        return (
            [f"CREATE INDEX {index} ON assemblies_rollentry ({column})" for index, column in SINGLE_INDEXES.items()],
            [f"DROP INDEX IF EXISTS {index}" for index in SINGLE_INDEXES],
        )
    if name == "before-0004":
        changes = [variant_change(part) for part in ("assembly-fk", "redundant-indexes")]
        return [sql for change, _ in changes for sql in change], [sql for _, undo in changes for sql in undo]
    if name == "fk":
        change, undo = variant_change("before-0004")
        return (
            change
            + [
                f"ALTER TABLE assemblies_rollentry ADD CONSTRAINT {c} {d} DEFERRABLE INITIALLY DEFERRED NOT VALID"
                for c, d in ROLL_FKS.items()
            ],
            undo + [f"ALTER TABLE assemblies_rollentry DROP CONSTRAINT IF EXISTS {c}" for c in ROLL_FKS],
        )
    if name == "no-assembly-fk":
        rows = bench.fetchall(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'assemblies_rollentry'::regclass "
            "AND contype = 'f' AND conkey = ARRAY[(SELECT attnum FROM pg_attribute "
            "WHERE attrelid = 'assemblies_rollentry'::regclass AND attname = 'assembly_id')]"
        )
        return (
            [f"ALTER TABLE assemblies_rollentry DROP CONSTRAINT {c}" for c, _ in rows],
            [f"ALTER TABLE assemblies_rollentry ADD CONSTRAINT {c} {d}" for c, d in rows],
        )
    if name == "lean":
        changes = [variant_change(part) for part in ("no-assembly-fk", "no-redundant-indexes")]
        return [sql for change, _ in changes for sql in change], [sql for _, undo in changes for sql in undo]
    if name in ("no-redundant-indexes", "no-single-indexes"):
        columns = ["assembly_id", "membership_id"] + (["person_id"] if name == "no-single-indexes" else [])
        rows = bench.fetchall(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid = 'assemblies_rollentry'::regclass AND i.indnatts = 1 AND NOT i.indisunique "
            "AND a.attname = ANY(%s)",
            [columns],
        )
        return [f"DROP INDEX {n}" for n, _ in rows], [d for _, d in rows]
    raise SystemExit(f"Unknown variant {name!r}: choose from {', '.join(VARIANTS)}")


def roll_foreign_keys() -> list[str]:
    """The foreign-key constraints of the roll table towards the registry, as the database has them."""
    return [
        f"{name}: {definition}"
        for name, definition in bench.fetchall(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'assemblies_rollentry'::regclass AND contype = 'f' ORDER BY conname"
        )
    ]


def draft(coop):
    from django.utils import timezone

    from taavon.assemblies.models import AgendaItem

    assembly = bench.new_assembly(
        coop,
        mode="electronic",
        rules={},
        starts_at=timezone.now() + datetime.timedelta(days=25),
    )
    AgendaItem.objects.create(assembly=assembly, position=1, title="تصویب صورت‌های مالی (سنجش)", kind="motion")
    return assembly


def publish(assembly, actor) -> dict:
    """``publish_notice`` timed as a whole, with its checks and its roll freeze timed from inside."""
    from django.utils import timezone

    from taavon.assemblies.convening import services as convening

    parts = {}
    originals = {"check_convening": convening.check_convening, "_freeze_roll": convening._freeze_roll}

    def timing(name):
        def wrapper(*args, **kwargs):
            with bench.Timer() as t:
                value = originals[name](*args, **kwargs)
            parts[f"{name}_s"] = parts.get(f"{name}_s", 0) + t.seconds
            return value

        return wrapper

    convening.check_convening = timing("check_convening")
    convening._freeze_roll = timing("_freeze_roll")
    try:
        with bench.Timer() as t:
            published = convening.publish_notice(
                actor=actor, assembly=assembly, newspaper="اطلاعات", newspaper_date=timezone.localdate()
            )
    finally:
        convening.check_convening = originals["check_convening"]
        convening._freeze_roll = originals["_freeze_roll"]
    parts["publish_notice_s"] = t.seconds
    parts["rest_s"] = t.seconds - parts["check_convening_s"] - parts["_freeze_roll_s"]
    parts["roll_size"] = published.roll_size
    parts["roll_rows"] = bench.fetchall("SELECT count(*) FROM assemblies_rollentry WHERE assembly_id = %s", [assembly.pk])[0][0]
    parts["rows_per_s"] = parts["roll_rows"] / parts["_freeze_roll_s"] if parts["_freeze_roll_s"] else 0
    return parts


def freeze_sql(assembly) -> tuple[str, list]:
    from django.utils import timezone

    from taavon.registry.models import MembershipStatus

    sql = (
        "INSERT INTO assemblies_rollentry (assembly_id, person_id, membership_id, votes) "
        "SELECT %s, m.person_id, m.id, %s FROM registry_membership m "
        "WHERE m.cooperative_id = %s AND m.status = %s AND m.joined_on <= %s"
    )
    return sql, [assembly.pk, 1, assembly.cooperative_id, MembershipStatus.ACTIVE.value, timezone.localdate()]


def run(args) -> dict:
    bench.django_setup(setup_database=args.setup)
    from django.conf import settings

    from taavon.jobs.models import Job

    if settings.JOBS_IMMEDIATE:
        raise SystemExit("Jobs run immediately (JOBS_IMMEDIATE): publishing would send every notice. Unset it.")
    queued = Job.objects.filter(name="notifications.fan_out", state=Job.State.QUEUED)
    queued.delete()

    results = {"machine": bench.machine(), "database": bench.database_version(), "load_before": bench.load_average()}
    coop, load = bench.bench_cooperative(args.members, fresh=args.fresh_members, seed=args.seed)
    results["setup"] = {"members": load}
    results["roll_foreign_keys"] = roll_foreign_keys()
    actor = bench.officer(coop)
    created = []
    try:
        assembly = draft(coop)
        created.append(assembly.pk)
        bench.execute("CHECKPOINT")  # start from a clean WAL state, so a checkpoint does not land in the middle
        bench.say(f"Publishing the notice of assembly #{assembly.pk}: freezing a roll of {args.members:,} …")
        results["publish"] = publish(assembly, actor)
        results["notices_queued"] = queued.count()
        queued.delete()
        bench.say(f"  {results['publish']['publish_notice_s']:.1f} s")

        if args.explain:
            other = draft(coop)
            created.append(other.pk)
            sql, params = freeze_sql(other)
            label = "roll freeze INSERT … SELECT, deferred constraints made immediate (rolled back)"
            results["explain"] = {label: bench.explain(sql, params, rollback=True, immediate=True)}

        for name in args.compare:
            other = draft(coop)
            created.append(other.pk)
            change, undo = variant_change(name)
            try:
                for sql in change:
                    bench.execute(sql)
                results.setdefault("variants", {})[name] = {"foreign_keys": roll_foreign_keys()}
                bench.execute("CHECKPOINT")
                bench.say(f"Publishing assembly #{other.pk} {VARIANTS[name]} …")
                results["variants"][name].update(publish(other, actor))
                queued.delete()
                bench.say(f"  {results['variants'][name]['publish_notice_s']:.1f} s")
                bench.delete_assembly(created.pop())
            finally:
                for sql in undo:
                    bench.execute(sql)
    finally:
        queued.delete()
        results["load_after"] = bench.load_average()
        if args.keep:
            bench.say(f"Kept assemblies {created}.")
        else:
            bench.say("Deleting the assemblies …")
            results["cleanup_s"] = sum(bench.delete_assembly(pk) for pk in created)
    results["members"] = args.members
    return results


def print_report(r: dict, out=sys.stdout) -> None:
    m = r["machine"]
    out.write(f"\n{r['database']}\nMachine: {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('memory_gb', '?')} GB; {m['date']}\n")
    out.write(f"Load average (1 min) before / after: {r['load_before']:.2f} / {r['load_after']:.2f} "
              "— other work on the machine slows every figure\n")
    out.write(f"Members set-up: {r['setup']['members']}\n")
    out.write(f"Roll foreign keys in the database: {r['roll_foreign_keys'] or 'none towards person/membership'}\n\n")

    def block(label: str, p: dict) -> None:
        out.write(f"{label}\n")
        out.write(f"  publish_notice, whole call (one transaction + queueing): {p['publish_notice_s']:8.2f} s\n")
        out.write(f"    check_convening (the convening checks)              : {p['check_convening_s']:8.2f} s\n")
        out.write(f"    _freeze_roll (INSERT … SELECT of the roll)          : {p['_freeze_roll_s']:8.2f} s"
                  f"  ({p['rows_per_s']:,.0f} rows/s)\n")
        out.write(f"    the rest (snapshot, save, event log, audit, commit, queue): {p['rest_s']:6.2f} s\n")
        out.write(f"  roll: {p['roll_rows']:,} entries, roll_size {p['roll_size']:,}\n")

    block(f"Freezing a roll of {r['members']:,} members (current schema)", r["publish"])
    out.write(f"  notice jobs queued (not run): {r['notices_queued']}\n")
    for name, figures in r.get("variants", {}).items():
        block(f"\nThe same {VARIANTS[name]}", figures)
        out.write(f"  roll foreign keys: {figures['foreign_keys'] or 'none'}\n")
    for label, plan in r.get("explain", {}).items():
        out.write(f"\nEXPLAIN ANALYZE — {label}\n{plan}\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument(
        "--compare",
        type=lambda text: [v for v in text.split(",") if v],
        default=[],
        help=f"also time variants of the roll table: {', '.join(VARIANTS)}",
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the freeze (rolled back)")
    bench.add_common_arguments(parser, keeps="the assemblies built for the run")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20,000 members")
    args = parser.parse_args(argv)
    if args.quick:
        args.members = 20_000
    results = bench.report(args, run(args), print_report)
    return results


if __name__ == "__main__":
    main()
