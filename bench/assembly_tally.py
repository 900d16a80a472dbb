"""Tallying and verifying an item with 1,000,000 ballots.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_bench_assemblies \\
        .venv/bin/python bench/assembly_tally.py [--ballots 1000000] [--repeat 3] [--explain]
        [--keep] [--json out.json] [--setup] [--quick]

Set-up (timed and printed, not part of the figures): a cooperative of ``--ballots`` members
(reused from an earlier run when one exists), an assembly in session with its roll frozen
(``convening._freeze_roll``), one motion open whose quorum at opening counts every member present,
then one ``VoteRecord`` per roll entry and one ``Ballot`` per voter, loaded with ``COPY``
(psycopg 3 ``cursor.copy``) in random order — ballots arrive in no particular order, and the
chain walks them in receipt-hash order. Receipt hashes are real (``ballot_box.receipt_hash`` of a
random 16-hex-digit code); choices are about 60 % for, 25 % against, 15 % abstain. The tables are
then ANALYZEd and read once (hint bits), as they would be long before a real close.

Measured, on the same rows (best and median of ``--repeat`` runs for the first three):

* the tally query ``voting.close_item`` runs — ``Ballot.objects.filter(item_id=…)
  .values_list("choice").annotate(n=Count("id")).order_by()`` — against the raw SQL
  ``SELECT choice, count(*) FROM assemblies_ballot WHERE item_id = %s GROUP BY choice``
  (target: within 2×);
* ``ballot_box.walk`` alone (the chain over every ballot in receipt-hash order, in Python);
* ``voting.close_item`` as the chair runs it (tally + chain + vote-record count + result + event
  log + audit, one transaction), once; 0.5 s into it, another connection locks the assembly's row
  (``SELECT … FOR UPDATE``, as the session's actions do) and the wait is printed;
* ``ballot_box.verify_item`` on the closed item, once (target: under 30 s), and that it finds
  nothing wrong;
* ``ballot_box.rewrite_in_published_order`` (the job the close queues), then ``verify_item`` again.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import uuid

import assembly_setup as bench

TARGET_TALLY_RATIO = 2.0
TARGET_VERIFY_S = 30.0
RAW_TALLY = "SELECT choice, count(*) FROM assemblies_ballot WHERE item_id = %s GROUP BY choice"


def build(ballots: int, *, fresh: bool, seed: int) -> dict:
    from django.db import transaction

    from taavon.assemblies import law
    from taavon.assemblies.session import services as attendance

    coop, load = bench.bench_cooperative(ballots, fresh=fresh, seed=seed)
    timings = {}
    assembly = bench.new_assembly(coop, mode="electronic")
    timings["roll_freeze_s"] = bench.freeze_roll(assembly)
    bench.open_session(assembly)
    item = bench.open_motion(assembly)
    # Everyone present when voting opened (the base of the majority); no check-in rows needed to tally.
    quorum = law.quorum(assembly.rules, assembly.kind, assembly.call_number, roll=ballots, present=ballots, represented=0)
    item.quorum_at_open = attendance.quorum_figures(assembly, quorum)
    item.save(update_fields=["quorum_at_open"])

    rng = random.Random(seed)
    entries = [row[0] for row in bench.fetchall("SELECT id FROM assemblies_rollentry WHERE assembly_id = %s", [assembly.pk])]
    rng.shuffle(entries)
    from taavon.assemblies.voting import ballot_box

    code = bench.receipt_code(rng)
    assert bench.receipt_hash(item.pk, code) == ballot_box.receipt_hash(item.pk, code)
    with transaction.atomic(), bench.Timer() as t:
        bench.copy_rows(
            "assemblies_voterecord",
            ["id", "item_id", "roll_entry_id", "by_proxy"],
            ((uuid.UUID(int=rng.getrandbits(128), version=4), item.pk, entry, False) for entry in entries),
        )
    timings["vote_records_copy_s"] = t.seconds
    choices = [1] * 60 + [2] * 25 + [3] * 15
    with transaction.atomic(), bench.Timer() as t:
        bench.copy_rows(
            "assemblies_ballot",
            ["id", "item_id", "receipt_hash", "choice", "marks"],
            (
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    item.pk,
                    bench.receipt_hash(item.pk, bench.receipt_code(rng)),
                    rng.choice(choices),
                    "[]",
                )
                for _ in range(ballots)
            ),
        )
    timings["ballots_copy_s"] = t.seconds
    with bench.Timer() as t:
        bench.analyze("assemblies_ballot", "assemblies_voterecord")
        bench.fetchall("SELECT count(*) FROM assemblies_ballot WHERE item_id = %s", [item.pk])
        bench.fetchall("SELECT count(*) FROM assemblies_voterecord WHERE item_id = %s", [item.pk])
    timings["analyze_and_first_read_s"] = t.seconds
    return {"cooperative": coop, "assembly": assembly, "item": item, "members": load, "timings": timings}


class AssemblyLockWaiter(threading.Thread):
    """After ``delay`` seconds, lock the assembly's row (``SELECT … FOR UPDATE``, as every session
    action does) from a connection of its own, and keep how long that took in ``waited``."""

    def __init__(self, assembly_id: int, delay: float):
        super().__init__(daemon=True)
        self.assembly_id, self.delay, self.waited = assembly_id, delay, None

    def run(self):
        import time

        from django.db import connection, transaction

        from taavon.assemblies.models import Assembly

        time.sleep(self.delay)
        try:
            with bench.Timer() as t, transaction.atomic():
                Assembly.objects.select_for_update().get(pk=self.assembly_id)
            self.waited = t.seconds
        finally:
            connection.close()


def timed(fn, repeat: int) -> tuple[dict, object]:
    samples, value = [], None
    for _ in range(repeat):
        with bench.Timer() as t:
            value = fn()
        samples.append(t.seconds)
    return {"best_s": min(samples), "median_s": statistics.median(samples), "samples_s": samples}, value


def run(args) -> dict:
    bench.django_setup(setup_database=args.setup)
    from django.db.models import Count

    from taavon.assemblies.models import AgendaItem, Ballot
    from taavon.assemblies.voting import ballot_box
    from taavon.assemblies.voting import services as voting

    results = {"machine": bench.machine(), "database": bench.database_version(), "load_before": bench.load_average()}
    bench.say(f"Building an item with {args.ballots:,} ballots …")
    with bench.Timer() as t:
        state = build(args.ballots, fresh=args.fresh_members, seed=args.seed)
    assembly, item = state["assembly"], state["item"]
    results["setup"] = {"members": state["members"], **{k: round(v, 1) for k, v in state["timings"].items()}}
    results["setup"]["total_s"] = round(t.seconds, 1)
    bench.say(f"  assembly #{assembly.pk}, item #{item.pk}, built in {t.seconds:.1f} s: {results['setup']}")

    def orm_tally():
        rows = Ballot.objects.filter(item_id=item.pk).values_list("choice").annotate(n=Count("id")).order_by()
        return dict(rows)

    def raw_tally():
        return dict(bench.fetchall(RAW_TALLY, [item.pk]))

    try:
        bench.say("Timing the tally query (ORM, as close_item) and the raw GROUP BY …")
        raw_tally()  # warm the cache once for both
        figures = {}
        for _ in range(args.repeat):  # alternate, so load on the machine hits both alike
            for name, fn in (("raw_group_by", raw_tally), ("close_item_tally_query", orm_tally)):
                sample, value = timed(fn, 1)
                figures.setdefault(name, []).extend(sample["samples_s"])
                results.setdefault("tallies", {})[name] = {str(k): v for k, v in sorted(value.items())}
        for name, samples in figures.items():
            results[name] = {"best_s": min(samples), "median_s": statistics.median(samples), "samples_s": samples}
        results["tally_ratio"] = results["close_item_tally_query"]["median_s"] / results["raw_group_by"]["median_s"]
        results["tallies_equal"] = results["tallies"]["raw_group_by"] == results["tallies"]["close_item_tally_query"]

        bench.say("Timing ballot_box.walk (the chain) …")
        results["walk"], (head, count) = timed(lambda: ballot_box.walk(item), 1)
        results["walk"]["ballots"] = count

        actor = bench.officer(assembly.cooperative)
        bench.say("Timing voting.close_item, and meanwhile how long another connection waits to lock the assembly …")
        waiter = AssemblyLockWaiter(assembly.pk, delay=0.5)
        waiter.start()
        with bench.Timer() as t:
            closed = voting.close_item(actor=actor, item=item)
        results["close_item_s"] = t.seconds
        waiter.join()
        results["assembly_lock_wait_during_close_s"] = waiter.waited
        results["close_item_result"] = {k: closed.result.get(k) for k in ("for", "against", "abstain", "base", "required", "passed")}
        results["chain_head_matches_walk"] = closed.chain_head == head
        results["close_item_vs_raw"] = t.seconds / results["raw_group_by"]["median_s"]

        bench.say("Timing ballot_box.verify_item …")
        with bench.Timer() as t:
            report = ballot_box.verify_item(AgendaItem.objects.get(pk=item.pk))
        results["verify_item_s"] = t.seconds
        results["verify_ok"] = report.ok
        results["verify_ballots"] = report.ballots
        results["verify_discrepancies"] = [str(d) for d in report.discrepancies][:10]

        bench.say("Timing the rewrite in published order (the job queued by the close), then verify again …")
        with bench.Timer() as t:
            results["rewritten_ballots"] = ballot_box.rewrite_in_published_order(item.pk)
        results["rewrite_s"] = t.seconds
        results["verify_after_rewrite_ok"] = ballot_box.verify_item(AgendaItem.objects.get(pk=item.pk)).ok

        if args.explain:
            results["explain"] = {
                "raw GROUP BY": bench.explain(RAW_TALLY, [item.pk]),
                "close_item tally query": orm_tally_explain(item.pk),
            }
            results["explain"]["walk / verify: ballots in receipt-hash order, through a server-side cursor"] = (
                cursor_plan(item)
            )
    finally:
        results["load_after"] = bench.load_average()
        if args.keep:
            bench.say(f"Kept assembly #{assembly.pk}.")
        else:
            bench.say("Deleting the assembly …")
            results["cleanup_s"] = bench.delete_assembly(assembly.pk)
    results["ballots"] = args.ballots
    return results


def cursor_plan(item) -> str:
    """EXPLAIN of the chain's query as ``ballot_box`` runs it: through a server-side cursor, which
    PostgreSQL plans for the first rows (``cursor_tuple_fraction``) — an index scan in chain order
    where the same query on its own gets a sort. (No ANALYZE: a cursor's plan runs as it is fetched.)"""
    from django.db import connection, transaction

    from taavon.assemblies.voting import ballot_box

    captured = []

    class Capture:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, params):
            captured.append((sql, params))

        def fetchmany(self, size):
            return []

    real = connection.chunked_cursor
    connection.chunked_cursor = Capture
    try:
        list(ballot_box._chunks(item))
    finally:
        connection.chunked_cursor = real
    sql, params = captured[0]
    with transaction.atomic():
        return "\n".join(row[0] for row in bench.fetchall(f"EXPLAIN DECLARE bench_chain CURSOR FOR {sql}", params))


def orm_tally_explain(item_id: int) -> str:
    from django.db.models import Count

    from taavon.assemblies.models import Ballot

    return Ballot.objects.filter(item_id=item_id).values_list("choice").annotate(n=Count("id")).order_by().explain(
        analyze=True, buffers=True
    )


def print_report(r: dict, out=sys.stdout) -> None:
    m = r["machine"]
    out.write(f"\n{r['database']}\nMachine: {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('memory_gb', '?')} GB; {m['date']}\n")
    out.write(f"Load average (1 min) before / after: {r['load_before']:.2f} / {r['load_after']:.2f} "
              "— other work on the machine slows every figure\n")
    out.write(f"Set-up: {r['setup']}\n\n")
    raw, orm = r["raw_group_by"], r["close_item_tally_query"]
    out.write(f"Item with {r['ballots']:,} ballots; tally {r['tallies']['raw_group_by']} "
              f"(ORM and raw agree: {r['tallies_equal']})\n")
    out.write(f"{'measure':<48} {'best s':>8} {'median s':>9}\n")
    out.write(f"{'raw SQL GROUP BY choice':<48} {raw['best_s']:>8.3f} {raw['median_s']:>9.3f}\n")
    out.write(f"{'close_item tally query (ORM)':<48} {orm['best_s']:>8.3f} {orm['median_s']:>9.3f}\n")
    verdict = "pass" if r["tally_ratio"] <= TARGET_TALLY_RATIO else "FAIL"
    out.write(f"  tally ÷ raw GROUP BY (medians): {r['tally_ratio']:.2f}× (target ≤ {TARGET_TALLY_RATIO:g}×)  {verdict}\n")
    out.write(f"{'ballot_box.walk (chain over every ballot)':<48} {r['walk']['best_s']:>8.3f}\n")
    out.write(f"{'voting.close_item (tally + chain + result)':<48} {r['close_item_s']:>8.3f}"
              f"   = {r['close_item_vs_raw']:.0f}× the raw GROUP BY; chain head = walk: {r['chain_head_matches_walk']}\n")
    out.write(f"  result: {r['close_item_result']}\n")
    out.write(f"  another connection locking the assembly row 0.5 s into the close waited "
              f"{r['assembly_lock_wait_during_close_s']:.3f} s\n")
    verdict = "pass" if r["verify_item_s"] < TARGET_VERIFY_S and r["verify_ok"] else "FAIL"
    out.write(f"{'ballot_box.verify_item':<48} {r['verify_item_s']:>8.3f}   (target < {TARGET_VERIFY_S:g} s; "
              f"{r['verify_ballots']:,} ballots checked, ok: {r['verify_ok']})  {verdict}\n")
    for problem in r["verify_discrepancies"]:
        out.write(f"  discrepancy: {problem}\n")
    if "rewrite_s" in r:
        out.write(f"{'rewrite_in_published_order (background job)':<48} {r['rewrite_s']:>8.3f}   "
                  f"({r['rewritten_ballots']:,} ballots; verify afterwards ok: {r['verify_after_rewrite_ok']})\n")
    for label, plan in r.get("explain", {}).items():
        out.write(f"\nEXPLAIN ANALYZE — {label}\n{plan}\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tally query (alternating)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the tally and chain queries")
    bench.add_common_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="smoke run: 20,000 ballots")
    args = parser.parse_args(argv)
    if args.quick:
        args.ballots = 20_000
    results = bench.report(args, run(args), print_report)
    return results


if __name__ == "__main__":
    main()
