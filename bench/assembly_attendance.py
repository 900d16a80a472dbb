"""The live attendance figure of a 1,000,000-member assembly, read while check-ins stream in.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_bench_assemblies \\
        .venv/bin/python bench/assembly_attendance.py [--members 1000000] [--present 0.5] [--proxies 0.01]
        [--rate 50] [--seconds 30] [--interval 0.1] [--explain] [--keep] [--json out.json] [--setup] [--quick]

Set-up (state written straight to the database): a cooperative of ``--members`` (reused from an
earlier run when one exists), a hybrid assembly in session with its roll frozen, the first
``--present`` share of the roll already checked in, and ``--proxies`` × roll confirmed proxies:
principals taken from the end of the roll (not checked in), held three each by members who are
checked in (so every one of them is represented).

Measured: the latency of ``attendance.live_quorum(assembly)`` — the figure pages, polls and the
live push show: present (COUNT of check-ins) and represented (COUNT of confirmed proxies whose
principal is absent and whose holder is present) against the roll, counted at most once a second
per assembly and shared through the cache — read every ``--interval`` seconds in this process:

1. idle: ``--idle-seconds`` with nothing else happening; then as long again reading
   ``attendance.current_quorum(assembly)``, the count every decision makes afresh;
2. streaming: ``--seconds`` while a second process checks members in through the real service,
   ``attendance.check_in(actor=secretary, assembly=…, roll_entry=…, by_secretary=True)`` (one
   transaction each, with its audit entry and its throttled live push, which counts the figure
   afresh at most once a second and shares it), at ``--rate`` check-ins a second.

Both processes share one cache, as a deployment's processes do: Redis (``BENCH_REDIS_URL``, by
default the local server) under a key prefix of the benchmark's own; the run says which.

Prints p50 / p95 / p99 / max of each phase, the check-ins done and their own latency, and the
present figure before and after (which must have grown by the check-ins done).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import assembly_setup as bench


def build(members: int, *, present: float, proxies: float, fresh: bool, seed: int) -> dict:
    coop, load = bench.bench_cooperative(members, fresh=fresh, seed=seed)
    timings = {}
    assembly = bench.new_assembly(coop, mode="hybrid")
    timings["roll_freeze_s"] = bench.freeze_roll(assembly)
    bench.open_session(assembly)
    checked_in = int(members * present)
    with bench.Timer() as t:
        bench.check_in(assembly, checked_in)
    timings["check_ins_s"] = t.seconds
    principals = int(members * proxies)
    with bench.Timer() as t:
        # Principals: the last entries of the roll (absent). Holders: checked-in members, three principals each.
        bench.execute(
            "INSERT INTO assemblies_proxy (holder_is_member, state, created_at, decided_at, note, assembly_id, "
            "holder_id, principal_id) "
            "SELECT true, 'confirmed', now(), now(), '', %(a)s, h.person_id, p.id "
            "FROM (SELECT id, row_number() OVER (ORDER BY id DESC) - 1 AS n FROM assemblies_rollentry "
            "      WHERE assembly_id = %(a)s ORDER BY id DESC LIMIT %(p)s) p "
            "JOIN (SELECT person_id, row_number() OVER (ORDER BY id) - 1 AS n FROM assemblies_rollentry "
            "      WHERE assembly_id = %(a)s ORDER BY id LIMIT %(h)s) h ON h.n = p.n / 3",
            {"a": assembly.pk, "p": principals, "h": (principals + 2) // 3},
        )
        bench.analyze("assemblies_proxy")
    timings["proxies_s"] = t.seconds
    first_absent = bench.fetchall(
        "SELECT min(r.id) FROM assemblies_rollentry r WHERE r.assembly_id = %s "
        "AND NOT EXISTS (SELECT 1 FROM assemblies_checkin c WHERE c.roll_entry_id = r.id)",
        [assembly.pk],
    )[0][0]
    return {
        "cooperative": coop,
        "assembly": assembly,
        "members": load,
        "timings": timings,
        "checked_in": checked_in,
        "principals": principals,
        "first_absent": first_absent,
    }


# --------------------------------------------------------------------------- the check-in stream


def stream(assembly_id: int, actor_id: int, first_entry: int, rate: float, seconds: float) -> dict:
    """Check members in through ``attendance.check_in`` at ``rate`` a second for ``seconds``
    (run in its own process by the benchmark)."""
    from taavon.accounts.models import User
    from taavon.assemblies.models import Assembly, RollEntry
    from taavon.assemblies.session import services as attendance

    bench.shared_cache()
    assembly = Assembly.objects.get(pk=assembly_id)
    actor = User.objects.get(pk=actor_id)
    principals = set(assembly.proxies.values_list("principal_id", flat=True))
    wanted = int(rate * seconds) + 10
    entries = [
        e
        for e in RollEntry.objects.filter(assembly_id=assembly_id, id__gte=first_entry, check_in__isnull=True)
        .select_related("person")
        .order_by("id")[: wanted + len(principals)]
        if e.pk not in principals
    ][:wanted]
    samples = []
    started = time.perf_counter()
    deadline = started + seconds
    for n, entry in enumerate(entries):
        due = started + n / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        if time.perf_counter() >= deadline:
            break
        with bench.Timer() as t:
            attendance.check_in(actor=actor, assembly=assembly, roll_entry=entry, by_secretary=True)
        samples.append(t.seconds)
    elapsed = time.perf_counter() - started
    return {"check_ins": len(samples), "seconds": elapsed, "rate": len(samples) / elapsed, "latency_ms": bench.latency_ms(samples)}


def start_stream(assembly, actor, first_entry: int, rate: float, seconds: float) -> subprocess.Popen:
    args = [
        sys.executable, __file__, "--stream", str(assembly.pk), "--stream-actor", str(actor.pk),
        "--stream-first", str(first_entry), "--rate", str(rate), "--seconds", str(seconds),
    ]
    return subprocess.Popen(args, cwd=bench.ROOT, stdout=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- reading the figure


def read_quorum(assembly, *, seconds: float, interval: float, until=None, exact: bool = False) -> tuple[list[float], list]:
    """``live_quorum`` (``current_quorum`` with ``exact``) every ``interval`` s for ``seconds`` (or
    until ``until()`` is true)."""
    from taavon.assemblies.session import services as attendance

    read = attendance.current_quorum if exact else attendance.live_quorum
    samples, figures = [], []
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds and not (until and until()):
        due = started + n * interval
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        with bench.Timer() as t:
            quorum = read(assembly)
        samples.append(t.seconds)
        figures.append((quorum.present, quorum.represented))
        n += 1
    return samples, figures


def member_users(assembly) -> dict:
    """Users for two members on the roll (created once): the first roll entry, checked in, and the
    last one, absent and represented by proxy — to time a member's reach check."""
    from taavon.accounts.models import User
    from taavon.assemblies.models import RollEntry

    users = {}
    roll = RollEntry.objects.filter(assembly=assembly).select_related("person")
    for label, entry in (("first roll entry", roll.order_by("id").first()), ("last roll entry", roll.order_by("-id").first())):
        person = entry.person
        user = User.objects.filter(person=person).first()
        if user is None:
            user = User.objects.create_user(national_code=person.national_code, full_name=person.full_name, person=person)
        users[label] = user
    return users


def time_reach(user, assembly_id: int, count: int, timeout_s: int) -> dict:
    """``assembly_for(user, id, Action.TAKE_PART)``: the reach check every member request to the ballot
    API and pages makes (on the roll, or holding a live proxy), ``count`` times, each query cut
    off after ``timeout_s`` seconds."""
    from django.db import OperationalError

    from taavon.accounts.scoping import Action
    from taavon.assemblies.reach import assembly_for

    samples, timed_out = [], False
    bench.execute(f"SET statement_timeout = '{int(timeout_s)}s'")
    try:
        for _ in range(count):
            with bench.Timer() as t:
                try:
                    user.__dict__.pop("_takes_part", None)  # each sample asks afresh, as a new request does
                    assembly_for(user, assembly_id, Action.TAKE_PART)
                except OperationalError:
                    timed_out = True
            samples.append(t.seconds)
            if timed_out:
                break
    finally:
        bench.execute("RESET statement_timeout")
    return {**bench.latency_ms(samples), "timed_out": timed_out, "timeout_s": timeout_s}


def explain_reach(user, assembly_id: int, timeout_s: int) -> str:
    """EXPLAIN ANALYZE of the participant query as the reach check runs it (``.exists()``)."""
    from django.db import OperationalError

    from taavon.assemblies.reach import participant_assemblies

    query = participant_assemblies(user).filter(pk=assembly_id).query.exists()
    sql, params = query.sql_with_params()
    bench.execute(f"SET statement_timeout = '{int(timeout_s)}s'")
    try:
        return bench.explain(sql, params)
    except OperationalError:
        plan = "\n".join(row[0] for row in bench.fetchall(f"EXPLAIN {sql}", params))
        return f"(EXPLAIN ANALYZE cancelled after {timeout_s} s; the plan without ANALYZE:)\n{plan}"
    finally:
        bench.execute("RESET statement_timeout")


def run(args) -> dict:
    bench.django_setup(setup_database=args.setup)
    from taavon.assemblies.session import services as attendance

    results = {"machine": bench.machine(), "database": bench.database_version(), "load_before": bench.load_average()}
    results["cache"] = bench.shared_cache()
    bench.say(f"Building a session of {args.members:,} on the roll, {args.present:.0%} checked in …")
    with bench.Timer() as t:
        state = build(args.members, present=args.present, proxies=args.proxies, fresh=args.fresh_members, seed=args.seed)
    assembly = state["assembly"]
    results["setup"] = {"members": state["members"], **{k: round(v, 1) for k, v in state["timings"].items()}}
    results["setup"]["total_s"] = round(t.seconds, 1)
    results["checked_in"], results["principals"] = state["checked_in"], state["principals"]
    bench.say(f"  assembly #{assembly.pk} built in {t.seconds:.1f} s")
    actor = bench.officer(assembly.cooperative)
    try:
        first = attendance.current_quorum(assembly)
        results["quorum_start"] = first.as_dict()
        bench.say(f"Idle: reading the live quorum every {args.interval} s for {args.idle_seconds} s …")
        idle, _ = read_quorum(assembly, seconds=args.idle_seconds, interval=args.interval)
        results["idle_ms"] = bench.latency_ms(idle)
        bench.say(f"Idle: counting the exact quorum every {args.interval} s for {args.idle_seconds} s …")
        exact, _ = read_quorum(assembly, seconds=args.idle_seconds, interval=args.interval, exact=True)
        results["exact_idle_ms"] = bench.latency_ms(exact)
        members = member_users(assembly)
        results["reach_ms"] = {}
        for label, user in members.items():
            bench.say(f"Timing a member's reach check (assembly_for, TAKE_PART), {label} …")
            results["reach_ms"][label] = time_reach(user, assembly.pk, args.reach_samples, args.reach_timeout)

        bench.say(f"Streaming check-ins at {args.rate:g}/s for {args.seconds} s while reading …")
        streamer = start_stream(assembly, actor, state["first_absent"], args.rate, args.seconds)
        results["load_during"] = bench.load_average()
        busy, figures = read_quorum(
            assembly, seconds=args.seconds + 30, interval=args.interval, until=lambda: streamer.poll() is not None
        )
        output, _ = streamer.communicate()
        if streamer.returncode != 0:
            raise SystemExit(f"The check-in stream failed (exit {streamer.returncode}).")
        results["load_during"] = max(results["load_during"], bench.load_average())
        results["stream"] = json.loads(output.strip().splitlines()[-1])
        results["streaming_ms"] = bench.latency_ms(busy)
        last = attendance.current_quorum(assembly)
        results["quorum_end"] = last.as_dict()
        results["present_grew_by"] = last.present - first.present
        results["present_monotonic"] = all(a[0] <= b[0] for a, b in zip(figures, figures[1:], strict=False))
        results["consistent"] = results["present_grew_by"] == results["stream"]["check_ins"]

        if args.explain:
            from django.db import connection, transaction
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                attendance.current_quorum(assembly)
            counts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT")]
            with transaction.atomic():
                bench.execute("SET LOCAL jit = off")  # as current_quorum runs them
                results["explain"] = {
                    f"current_quorum, count {n} of {len(counts)} (JIT off): {sql[:60]}…": bench.explain(sql)
                    for n, sql in enumerate(counts, start=1)
                }
            for label, user in members.items():
                results["explain"][f"reach check, {label}: participant_assemblies(user).filter(pk=…).exists()"] = (
                    explain_reach(user, assembly.pk, args.reach_timeout)
                )
    finally:
        results["load_after"] = bench.load_average()
        if args.keep:
            bench.say(f"Kept assembly #{assembly.pk}.")
        else:
            bench.say("Deleting the assembly …")
            results["cleanup_s"] = bench.delete_assembly(assembly.pk)
    results.update({"members": args.members, "rate": args.rate, "seconds": args.seconds, "interval": args.interval})
    return results


def print_report(r: dict, out=sys.stdout) -> None:
    m = r["machine"]
    out.write(f"\n{r['database']}\nMachine: {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('memory_gb', '?')} GB; {m['date']}\n")
    out.write(f"Load average (1 min) before / during / after: {r['load_before']:.2f} / {r['load_during']:.2f} / "
              f"{r['load_after']:.2f} — other work on the machine slows every figure\n")
    out.write(f"Set-up: {r['setup']}\n")
    out.write(f"Cache shared by the reader and the check-in process: {r['cache']}\n\n")
    out.write(f"Roll {r['members']:,}; {r['checked_in']:,} checked in at the start; {r['principals']:,} confirmed "
              f"proxies (principals absent, holders present)\n")
    out.write(f"Quorum at the start: {r['quorum_start']}\n")
    out.write(f"{'read every ' + format(r['interval'], 'g') + ' s':<52} "
              f"{'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}\n")
    for label, key in (
        ("attendance.live_quorum, idle", "idle_ms"),
        ("attendance.live_quorum, while check-ins stream in", "streaming_ms"),
        ("attendance.current_quorum (exact count), idle", "exact_idle_ms"),
    ):
        f = r[key]
        out.write(f"  {label:<50} {f['n']:>5} {f['p50']:>8.1f} {f['p95']:>8.1f} {f['p99']:>8.1f} {f['max']:>8.1f}\n")
    out.write("A member's reach check (assembly_for TAKE_PART, every member request), idle:\n")
    for label, f in r["reach_ms"].items():
        cut = f"  — cut off after {f['timeout_s']} s" if f["timed_out"] else ""
        out.write(f"  {label:<50} {f['n']:>5} {f['p50']:>8.1f} {f['p95']:>8.1f} {f['p99']:>8.1f} {f['max']:>8.1f}{cut}\n")
    s = r["stream"]
    out.write(f"Check-ins streamed through attendance.check_in: {s['check_ins']:,} in {s['seconds']:.1f} s = "
              f"{s['rate']:.1f}/s (asked {r['rate']:g}/s); each p50 {s['latency_ms']['p50']:.1f} ms, "
              f"p95 {s['latency_ms']['p95']:.1f} ms, max {s['latency_ms']['max']:.1f} ms\n")
    out.write(f"Quorum at the end: {r['quorum_end']}\n")
    out.write(f"Present grew by {r['present_grew_by']:,} = check-ins done: {r['consistent']}; "
              f"never went down while read: {r['present_monotonic']}\n")
    for label, plan in r.get("explain", {}).items():
        out.write(f"\nEXPLAIN ANALYZE — {label}\n{plan}\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--present", type=float, default=0.5, help="share of the roll checked in at the start")
    parser.add_argument("--proxies", type=float, default=0.01, help="confirmed proxies, as a share of the roll")
    parser.add_argument("--rate", type=float, default=50, help="check-ins a second while streaming")
    parser.add_argument("--seconds", type=float, default=30, help="length of the streaming phase")
    parser.add_argument("--idle-seconds", type=float, default=10, help="length of the idle phase")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between two reads of the figure")
    parser.add_argument("--reach-samples", type=int, default=20, help="timed reach checks of each member (idle)")
    parser.add_argument("--reach-timeout", type=int, default=30, help="statement timeout (s) of the reach checks")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the quorum's queries and the reach check")
    bench.add_common_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="smoke run: 20,000 members, 5 s idle, 10 s streaming")
    parser.add_argument("--stream", type=int, help=argparse.SUPPRESS)  # internal: run the check-in stream
    parser.add_argument("--stream-actor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stream-first", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stream:
        bench.django_setup()
        print(json.dumps(stream(args.stream, args.stream_actor, args.stream_first, args.rate, args.seconds)), flush=True)
        return {}
    if args.quick:
        args.members, args.idle_seconds, args.seconds = 20_000, 5, 10
    results = bench.report(args, run(args), print_report)
    return results


if __name__ == "__main__":
    main()
