"""Ballots accepted per second through the real HTTP stack, beside PostgreSQL's own durable INSERT rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_bench_assemblies \\
        .venv/bin/python bench/assembly_ballots.py [--voters 10000] [--servers 2] [--concurrency 32]
        [--warm-tokens] [--queries] [--floor-variants] [--stack-ceiling N] [--keep] [--json out.json] [--setup] [--quick]

What it does, in one run:

1. Builds an assembly in session (state written straight to the database, like
   ``tests/assemblies/factory.py``): a cooperative of ``--voters`` members, each with a user and
   an API token, all on the frozen roll and checked in; one motion with voting open.
2. ``pgbench`` single-row durable INSERT rate: a one-column table, the script
   ``INSERT INTO bench_pgbench_insert (v) VALUES (1);``, ``pgbench -n -c 16 -j 2 -T 10 -f …``.
3. Starts ``--servers`` daphne processes (``taavon.asgi:application``, DEBUG=false) on free
   ports and fires one ballot per voter — ``POST /api/v1/assemblies/{a}/items/{i}/ballots`` with
   the voter's Bearer token, ``{"roll_entry": …, "choice": 1|2|3}`` — from ``--concurrency``
   keep-alive HTTP/1.1 connections (asyncio, spread evenly over the servers).
4. ``pgbench`` again (the machine is shared: the figure used is the mean of before and after).
5. Checks: ballots stored == vote records == 201 answers == voters, receipt codes all distinct,
   no 5xx and no connection error.

Prints ballots/s (whole run, and the middle 80 % of answers), latency, the pgbench rate and the
ratio (target: ≥ 30 % of pgbench). ``--warm-tokens`` marks the tokens as used a moment ago, so
the Bearer check does not also write ``last_used_at`` on each voter's first request (the default
measures that write, as a voter's first API call of the day would make it). ``--queries`` prints
the SQL of one cast (Django test client in this process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import assembly_setup as bench

TARGET_RATIO = 0.30
TOKEN_NAME = "bench ballots"


# --------------------------------------------------------------------------- state


def build(voters: int, *, fresh: bool, warm_tokens: bool, seed: int) -> dict:
    from django.db import transaction

    from taavon.accounts.models import ApiToken

    coop, load = bench.bench_cooperative(voters, fresh=fresh, seed=seed)
    with bench.Timer() as t:
        # One user per member (kept with the cooperative for the next run).
        bench.execute(
            "INSERT INTO accounts_user (password, is_superuser, national_code, full_name, mobile, email, "
            "is_active, is_staff, date_joined, failed_logins, person_id) "
            "SELECT '!', false, p.national_code, p.first_name || ' ' || p.last_name, p.mobile, '', true, false, "
            "now(), 0, p.id FROM registry_membership m JOIN registry_person p ON p.id = m.person_id "
            "WHERE m.cooperative_id = %s AND NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.person_id = p.id)",
            [coop.pk],
        )
        assembly = bench.new_assembly(coop, mode="electronic")
        bench.freeze_roll(assembly)
        bench.check_in(assembly)
        bench.open_session(assembly)
        item = bench.open_motion(assembly)
        pairs = bench.fetchall(
            "SELECT r.id, u.id FROM assemblies_rollentry r JOIN accounts_user u ON u.person_id = r.person_id "
            "WHERE r.assembly_id = %s ORDER BY r.id",
            [assembly.pk],
        )
        tokens = [bench.new_token() for _ in pairs]
        with transaction.atomic():
            bench.execute("DELETE FROM accounts_apitoken WHERE name = %s", [TOKEN_NAME])
            bench.copy_rows(
                "accounts_apitoken",
                ["user_id", "name", "prefix", "token_hash", "created_at", "last_used_at"],
                (
                    (user_id, TOKEN_NAME, token[:8], ApiToken.hash(token), "now", "now" if warm_tokens else None)
                    for (_, user_id), token in zip(pairs, tokens, strict=True)
                ),
            )
        bench.analyze("accounts_user", "accounts_apitoken")
    rng = random.Random(seed)
    jobs = [(token, entry_id, rng.choice((1, 1, 1, 2, 3))) for (entry_id, _), token in zip(pairs, tokens, strict=True)]
    rng.shuffle(jobs)
    return {"cooperative": coop, "assembly": assembly, "item": item, "jobs": jobs, "load": load, "build_s": t.seconds}


# --------------------------------------------------------------------------- pgbench


PGBENCH_TABLE = "bench_pgbench_insert"


def pgbench(*, seconds: int, clients: int, threads: int) -> dict:
    bench.execute(f"CREATE TABLE IF NOT EXISTS {PGBENCH_TABLE} (v integer)")
    bench.execute(f"TRUNCATE {PGBENCH_TABLE}")
    script = Path(os.environ["TAAVON_VAR_DIR"]) / "pgbench_insert.sql"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f"INSERT INTO {PGBENCH_TABLE} (v) VALUES (1);\n")
    args = ["pgbench", "-n", "-c", str(clients), "-j", str(threads), "-T", str(seconds), "-f", str(script)]
    args += bench.pg_connection_args()
    output = bench.run_tool(args)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output) or re.search(r"tps = ([\d.]+)", output)
    if match is None:
        raise SystemExit(f"Could not read the pgbench rate:\n{output}")
    rows = bench.fetchall(f"SELECT count(*) FROM {PGBENCH_TABLE}")[0][0]
    bench.execute(f"TRUNCATE {PGBENCH_TABLE}")
    return {"tps": float(match.group(1)), "rows": rows, "command": " ".join(args)}


CAST_SQL = """\
SELECT nextval('bench_cast_seq') AS n \\gset
BEGIN;
SELECT pg_advisory_xact_lock_shared(29814, %(item)d);
WITH voter AS (
    SELECT r.id FROM bench_cast_entries e
    JOIN assemblies_rollentry r ON r.id = e.entry_id
    JOIN assemblies_checkin c ON c.roll_entry_id = r.id
    JOIN assemblies_agendaitem i ON i.id = %(item)d AND i.state = 'open'
    JOIN assemblies_assembly a ON a.id = i.assembly_id AND a.state = 'in_session' AND a.id = r.assembly_id
    WHERE e.n = :n
), recorded AS (
    INSERT INTO assemblies_voterecord (id, item_id, roll_entry_id, by_proxy)
    SELECT gen_random_uuid(), %(item)d, id, false FROM voter
    RETURNING 1
)
INSERT INTO assemblies_ballot (id, item_id, receipt_hash, choice, marks)
SELECT gen_random_uuid(), %(item)d, encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 1, '[]'
FROM recorded;
COMMIT;
"""


_VOTER = (
    "SELECT r.id FROM bench_cast_entries e JOIN assemblies_rollentry r ON r.id = e.entry_id "
    "WHERE e.n = (SELECT nextval('bench_cast_seq'))"
)
_CHECKED_VOTER = (
    "SELECT r.id FROM bench_cast_entries e JOIN assemblies_rollentry r ON r.id = e.entry_id "
    "JOIN assemblies_checkin c ON c.roll_entry_id = r.id "
    "JOIN assemblies_agendaitem i ON i.id = %(item)d AND i.state = 'open' "
    "JOIN assemblies_assembly a ON a.id = i.assembly_id AND a.state = 'in_session' AND a.id = r.assembly_id "
    "WHERE e.n = (SELECT nextval('bench_cast_seq'))"
)
_RECORD = (
    "INSERT INTO assemblies_voterecord (id, item_id, roll_entry_id, by_proxy) "
    "SELECT gen_random_uuid(), %(item)d, id, false FROM voter"
)
_BALLOT = (
    "INSERT INTO assemblies_ballot (id, item_id, receipt_hash, choice, marks) "
    "SELECT gen_random_uuid(), %(item)d, encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 1, '[]'"
)
# What the floor is made of: each variant is one statement in autocommit (one round trip, like the
# INSERT it is compared with), replayed like the floor on its own motion.
FLOOR_VARIANTS = {
    "the cast's checks and both inserts, no gate lock": f"WITH voter AS ({_CHECKED_VOTER}), recorded AS ({_RECORD} RETURNING 1) {_BALLOT} FROM recorded;\n",
    "both inserts, no checks": f"WITH voter AS ({_VOTER}), recorded AS ({_RECORD} RETURNING 1) {_BALLOT} FROM recorded;\n",
    "the vote record alone": f"WITH voter AS ({_VOTER}) {_RECORD};\n",
    "the ballot alone": f"{_BALLOT};\n",
}


def sql_floor(assembly, *, clients: int, threads: int, script: str = CAST_SQL) -> dict:
    """The database's own ceiling for this schema: one ballot per transaction, the cast's checks
    (item open, assembly in session, voter on the roll and checked in) and both inserts in one
    statement, one round trip — no HTTP, no Django, no token look-up — replayed by pgbench with
    one distinct voter per transaction, on a further open motion of the same assembly.
    ``script`` replaces the cast (see FLOOR_VARIANTS)."""
    from taavon.assemblies.models import AgendaItem

    AgendaItem.objects.filter(assembly=assembly, state="open").update(state="closed")
    item = bench.open_motion(assembly, title="بند سنجش پایگاه داده")
    bench.execute("DROP TABLE IF EXISTS bench_cast_entries")
    bench.execute(
        "CREATE TABLE bench_cast_entries AS SELECT row_number() OVER (ORDER BY id) AS n, id AS entry_id "
        "FROM assemblies_rollentry WHERE assembly_id = %s",
        [assembly.pk],
    )
    bench.execute("CREATE UNIQUE INDEX ON bench_cast_entries (n)")
    bench.analyze("bench_cast_entries", "assemblies_agendaitem", "assemblies_assembly")
    bench.execute("DROP SEQUENCE IF EXISTS bench_cast_seq")
    bench.execute("CREATE SEQUENCE bench_cast_seq")
    voters = bench.fetchall("SELECT count(*) FROM bench_cast_entries")[0][0]
    per_client = voters // clients
    path = Path(os.environ["TAAVON_VAR_DIR"]) / "pgbench_cast.sql"
    path.write_text(script % {"item": item.pk})
    args = ["pgbench", "-n", "-c", str(clients), "-j", str(threads), "-t", str(per_client), "-f", str(path)]
    args += bench.pg_connection_args()
    try:
        output = bench.run_tool(args)
    finally:
        bench.execute("DROP TABLE IF EXISTS bench_cast_entries")
        bench.execute("DROP SEQUENCE IF EXISTS bench_cast_seq")
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output) or re.search(r"tps = ([\d.]+)", output)
    if match is None:
        raise SystemExit(f"Could not read the pgbench rate:\n{output}")
    ballots = bench.fetchall("SELECT count(*) FROM assemblies_ballot WHERE item_id = %s", [item.pk])[0][0]
    records = bench.fetchall("SELECT count(*) FROM assemblies_voterecord WHERE item_id = %s", [item.pk])[0][0]
    writes_ballot, writes_record = "assemblies_ballot" in script, "assemblies_voterecord" in script
    expected = clients * per_client
    return {
        "tps": float(match.group(1)),
        "transactions": expected,
        "ballots": ballots,
        "vote_records": records,
        "verified": ballots == (expected if writes_ballot else 0) and records == (expected if writes_record else 0),
        "command": " ".join(args),
    }


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


POOL_SETTINGS = """\
# Written by bench/assembly_ballots.py --db-pool: the project's settings with Django's psycopg pool.
from taavon.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": %(size)d, "max_size": %(size)d, "timeout": 30}}  # noqa: F405
"""


def start_servers(count: int, *, conn_max_age: int, db_pool: int) -> list[dict]:
    """``count`` daphne processes. Under ASGI each request runs in a thread of its own, so a
    persistent connection (CONN_MAX_AGE > 0) is left behind by every request thread until garbage
    collection (Django: "When using ASGI, persistent connections should be disabled"); the default
    here is 0, a new database connection per request. ``db_pool`` > 0 uses Django's psycopg pool
    of that size per process instead (psycopg_pool must be importable)."""
    var = Path(os.environ["TAAVON_VAR_DIR"])
    env = {
        **os.environ,
        "DEBUG": "false",
        "TAAVON_DEMO": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": str(conn_max_age),
    }
    if db_pool:
        (var / "bench_pool_settings.py").write_text(POOL_SETTINGS % {"size": db_pool})
        env["DJANGO_SETTINGS_MODULE"] = "bench_pool_settings"
        env["PYTHONPATH"] = os.pathsep.join(p for p in [str(var), env.get("PYTHONPATH", "")] if p)
    servers = []
    for n in range(count):
        port = free_port()
        log = var / f"daphne-{n + 1}.log"
        handle = log.open("w")
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "taavon.asgi:application"]
        process = subprocess.Popen(command, cwd=bench.ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        servers.append({"port": port, "process": process, "log": log, "handle": handle, "command": " ".join(command)})
    return servers


def stop_servers(servers: list[dict]) -> None:
    for server in servers:
        server["process"].terminate()
    for server in servers:
        try:
            server["process"].wait(timeout=15)
        except subprocess.TimeoutExpired:
            server["process"].kill()
            server["process"].wait()
        server["handle"].close()


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds spent by the whole machine (every core, every process) so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- a small HTTP/1.1 client


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    line = await reader.readline()
    if not line:
        raise ConnectionError("connection closed")
    status = int(line.split()[1])
    headers = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        body = b"".join(parts)
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return status, body, headers.get("connection", "").lower() != "close"


def http_request(method: str, path: str, port: int, token: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def wait_ready(servers: list[dict], path: str, token: str, timeout: float = 90) -> None:
    """Until every server answers a read of the turnout (also warms each one up)."""
    deadline = time.monotonic() + timeout
    for server in servers:
        while True:
            if server["process"].poll() is not None:
                raise SystemExit(f"daphne on port {server['port']} exited; see {server['log']}")
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", server["port"])
                for _ in range(20):
                    writer.write(http_request("GET", path, server["port"], token))
                    status, body, _ = await read_response(reader)
                    if status != 200:
                        raise SystemExit(f"Warm-up GET {path} answered {status}: {body[:300]!r}")
                writer.close()
                break
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                if time.monotonic() > deadline:
                    raise SystemExit(f"daphne on port {server['port']} did not answer; see {server['log']}") from None
                await asyncio.sleep(0.3)


async def fire(ports: list[int], path: str, jobs: list, concurrency: int) -> dict:
    """One POST per job from ``concurrency`` keep-alive connections; answers and timings."""
    pending = iter(jobs)
    answers: list[tuple[int, float, float]] = []  # status, latency, completion time
    receipts: list[str] = []
    failures: list[str] = []
    started = time.perf_counter()

    async def connection(n: int) -> None:
        port = ports[n % len(ports)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for token, entry_id, choice in pending:
            body = json.dumps({"roll_entry": entry_id, "choice": choice}).encode()
            sent = time.perf_counter()
            try:
                writer.write(http_request("POST", path, port, token, body))
                status, answer, keep_alive = await read_response(reader)
            except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                failures.append(repr(exc))
                answers.append((-1, time.perf_counter() - sent, time.perf_counter() - started))
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            done = time.perf_counter()
            answers.append((status, done - sent, done - started))
            if status == 201:
                receipts.append(json.loads(answer)["receipt_code"])
            elif len(failures) < 10:
                failures.append(f"{status}: {answer[:300]!r}")
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    await asyncio.gather(*(connection(n) for n in range(concurrency)))
    return {"answers": answers, "receipts": receipts, "failures": failures, "seconds": time.perf_counter() - started}


async def fire_plain(ports: list[int], path: str, count: int, concurrency: int) -> dict:
    """``count`` GETs of ``path`` from ``concurrency`` keep-alive connections: the serving stack's
    own rate (HTTP, daphne, Django's middleware), with nothing of the application behind it."""
    left = iter(range(count))
    statuses: dict[int, int] = {}
    started = time.perf_counter()

    async def connection(n: int) -> None:
        port = ports[n % len(ports)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in left:
            writer.write(http_request("GET", path, port, "-"))
            status, _, keep_alive = await read_response(reader)
            statuses[status] = statuses.get(status, 0) + 1
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    await asyncio.gather(*(connection(n) for n in range(concurrency)))
    seconds = time.perf_counter() - started
    return {"path": path, "requests": count, "statuses": statuses, "seconds": seconds, "per_s": count / seconds}


# --------------------------------------------------------------------------- one cast, its SQL


def queries_of_one_cast(assembly, token: str, entry_id: int) -> list[str]:
    """The SQL one cast runs (Django test client, this process), on a second open motion."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from taavon.assemblies.models import AgendaItem

    AgendaItem.objects.filter(assembly=assembly, state="open").update(state="closed")
    item = bench.open_motion(assembly, title="بند دوم (سنجش)")
    path = f"/api/v1/assemblies/{assembly.pk}/items/{item.pk}/ballots"
    client = Client()
    payload = json.dumps({"roll_entry": entry_id, "choice": 1})
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    if response.status_code != 201:
        raise SystemExit(f"The measured cast answered {response.status_code}: {response.content[:300]!r}")
    return [q["sql"] for q in captured.captured_queries]


# --------------------------------------------------------------------------- run and report


def run(args) -> dict:
    bench.django_setup(setup_database=args.setup)
    from taavon.assemblies.models import Ballot, VoteRecord

    results = {"machine": bench.machine(), "database": bench.database_version(), "load_before": bench.load_average()}
    bench.say(f"Building an assembly of {args.voters:,} voters, all checked in, one motion open …")
    state = build(args.voters, fresh=args.fresh_members, warm_tokens=args.warm_tokens, seed=args.seed)
    assembly, item, jobs = state["assembly"], state["item"], state["jobs"]
    results["setup"] = {"members": state["load"], "build_s": round(state["build_s"], 1)}
    bench.say(f"  assembly #{assembly.pk}, item #{item.pk}, built in {state['build_s']:.1f} s")
    pg_args = {"seconds": args.pgbench_seconds, "clients": args.pgbench_clients, "threads": args.pgbench_threads}
    try:
        bench.say(f"pgbench (before): {args.pgbench_clients} clients, {args.pgbench_seconds} s …")
        results["pgbench_before"] = pgbench(**pg_args)
        bench.say(f"  {results['pgbench_before']['tps']:,.0f} INSERT/s")

        servers = start_servers(args.servers, conn_max_age=args.conn_max_age, db_pool=args.db_pool)
        try:
            cast_path = f"/api/v1/assemblies/{assembly.pk}/items/{item.pk}/ballots"
            turnout_path = f"/api/v1/assemblies/{assembly.pk}/items/{item.pk}/turnout"
            asyncio.run(wait_ready(servers, turnout_path, jobs[0][0]))
            bench.say(
                f"Casting {len(jobs):,} ballots through {args.servers} daphne process(es) on ports "
                f"{', '.join(str(s['port']) for s in servers)}, {args.concurrency} connections …"
            )
            if args.stack_ceiling:
                bench.say(f"The stack's own rate: {args.stack_ceiling:,} GET /health …")
                results["stack_ceiling"] = asyncio.run(
                    fire_plain([s["port"] for s in servers], "/health", args.stack_ceiling, args.concurrency)
                )
            load_during = bench.load_average()
            cpu_before = (machine_busy_s(), sum(process_cpu_s(s["process"].pid) for s in servers), time.process_time())
            fired = asyncio.run(fire([s["port"] for s in servers], cast_path, jobs, args.concurrency))
            cpu_after = (machine_busy_s(), sum(process_cpu_s(s["process"].pid) for s in servers), time.process_time())
            results["load_during"] = max(load_during, bench.load_average())
        finally:
            stop_servers(servers)
        tracebacks = sum(s["log"].read_text(errors="replace").count("Traceback") for s in servers)

        bench.say(f"pgbench (after): {args.pgbench_clients} clients, {args.pgbench_seconds} s …")
        results["pgbench_after"] = pgbench(**pg_args)
        bench.say(f"  {results['pgbench_after']['tps']:,.0f} INSERT/s")
    finally:
        bench.execute(f"DROP TABLE IF EXISTS {PGBENCH_TABLE}")

    answers = fired["answers"]
    statuses: dict[int, int] = {}
    for status, _, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    accepted = statuses.get(201, 0)
    ends = sorted(t for _, _, t in answers)
    low, high = ends[int(len(ends) * 0.1)], ends[int(len(ends) * 0.9) - 1]
    steady = (int(len(ends) * 0.9) - int(len(ends) * 0.1)) / (high - low) if high > low else float("nan")
    pg_mean = (results["pgbench_before"]["tps"] + results["pgbench_after"]["tps"]) / 2
    ballots = Ballot.objects.filter(item_id=item.pk).count()
    records = VoteRecord.objects.filter(item_id=item.pk).count()
    results.update(
        {
            "voters": len(jobs),
            "servers": args.servers,
            "concurrency": args.concurrency,
            "warm_tokens": args.warm_tokens,
            "connections": f"psycopg pool of {args.db_pool} per server" if args.db_pool
            else f"CONN_MAX_AGE={args.conn_max_age}",
            "seconds": fired["seconds"],
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "accepted": accepted,
            "ballots_per_s": accepted / fired["seconds"],
            "ballots_per_s_steady": steady,
            "latency_ms": bench.latency_ms([lat for status, lat, _ in answers if status == 201]),
            "pgbench_mean": pg_mean,
            "ratio": accepted / fired["seconds"] / pg_mean,
            "stored_ballots": ballots,
            "stored_vote_records": records,
            "distinct_receipts": len(set(fired["receipts"])),
            "server_tracebacks": tracebacks,
            "failures": fired["failures"][:10],
            "server_logs": [str(s["log"]) for s in servers],
            "server_command": servers[0]["command"],
        }
    )
    machine_s, servers_s, client_s = (after - before for before, after in zip(cpu_before, cpu_after, strict=True))
    per = 1000 / max(accepted, 1)
    results["cpu_ms_per_ballot"] = {
        "daphne": servers_s * per,
        "load client": client_s * per,
        "rest of the machine (PostgreSQL, other work)": (machine_s - servers_s - client_s) * per,
        "whole machine": machine_s * per,
        "machine_busy_share": machine_s / fired["seconds"] / (os.cpu_count() or 1),
    }
    results["verified"] = (
        ballots == records == accepted == len(jobs) == results["distinct_receipts"]
        and not any(s >= 500 or s < 0 for s in statuses)
        and tracebacks == 0
    )
    bench.say(f"SQL floor: the cast as one statement, pgbench, {args.pgbench_clients} clients, one voter each time …")
    results["sql_floor"] = sql_floor(assembly, clients=args.pgbench_clients, threads=args.pgbench_threads)
    results["sql_floor"]["ratio"] = results["sql_floor"]["tps"] / pg_mean
    if args.floor_variants:
        results["floor_variants"] = {}
        for name, script in FLOOR_VARIANTS.items():
            bench.say(f"  variant: {name} …")
            variant = sql_floor(assembly, clients=args.pgbench_clients, threads=args.pgbench_threads, script=script)
            results["floor_variants"][name] = {**variant, "ratio": variant["tps"] / pg_mean}
    if args.queries:
        token, entry_id, _ = jobs[0]
        results["one_cast_sql"] = queries_of_one_cast(assembly, token, entry_id)
    results["load_after"] = bench.load_average()
    if args.keep:
        bench.say(f"Kept assembly #{assembly.pk}.")
    else:
        results["cleanup_s"] = bench.delete_assembly(assembly.pk)
    return results


def print_report(r: dict, out=sys.stdout) -> None:
    m = r["machine"]
    out.write(f"\n{r['database']}\nMachine: {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('memory_gb', '?')} GB; {m['date']}\n")
    out.write(
        f"Load average (1 min) before / during / after: {r['load_before']:.2f} / {r['load_during']:.2f} / "
        f"{r['load_after']:.2f} — other work on the machine slows every figure\n\n"
    )
    tokens = "tokens used a moment ago (no last_used_at write)" if r["warm_tokens"] else "tokens' first use (writes last_used_at)"
    out.write(
        f"Ballots through HTTP: {r['voters']:,} voters, {r['servers']} daphne process(es), "
        f"{r['concurrency']} keep-alive connections, {tokens}, database: {r['connections']}\n"
    )
    out.write(f"  answers by status: {r['statuses']}\n")
    out.write(f"  accepted {r['accepted']:,} in {r['seconds']:.1f} s = {r['ballots_per_s']:,.0f} ballots/s "
              f"(middle 80 % of answers: {r['ballots_per_s_steady']:,.0f}/s)\n")
    lat = r["latency_ms"]
    out.write(f"  latency of an accepted cast: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
              f"p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms\n")
    cpu = r["cpu_ms_per_ballot"]
    out.write("  CPU per accepted ballot: " + ", ".join(
        f"{k} {v:.1f} ms" for k, v in cpu.items() if k != "machine_busy_share"
    ) + f" (machine {cpu['machine_busy_share']:.0%} busy)\n")
    out.write(f"pgbench single-row durable INSERT: before {r['pgbench_before']['tps']:,.0f}/s, "
              f"after {r['pgbench_after']['tps']:,.0f}/s, mean {r['pgbench_mean']:,.0f}/s\n")
    out.write(f"  {r['pgbench_before']['command']}\n")
    verdict = "pass" if r["ratio"] >= TARGET_RATIO else "FAIL"
    out.write(f"Ratio ballots/s ÷ pgbench INSERT/s: {r['ratio'] * 100:.1f} % (target ≥ {TARGET_RATIO * 100:.0f} %)  {verdict}\n")
    out.write(
        f"Check: stored ballots {r['stored_ballots']:,}, vote records {r['stored_vote_records']:,}, "
        f"201 answers {r['accepted']:,}, distinct receipts {r['distinct_receipts']:,}, "
        f"server tracebacks {r['server_tracebacks']} — {'OK' if r['verified'] else 'MISMATCH'}\n"
    )
    f = r["sql_floor"]
    out.write(
        f"SQL floor (the cast's checks and inserts as one statement, pgbench, no HTTP/Django/auth): "
        f"{f['tps']:,.0f} ballots/s = {f['ratio'] * 100:.0f} % of the INSERT rate; "
        f"{f['ballots']:,} ballots, {f['vote_records']:,} vote records — {'OK' if f['verified'] else 'MISMATCH'}\n"
        f"  {f['command']}\n"
    )
    if "stack_ceiling" in r:
        c = r["stack_ceiling"]
        out.write(
            f"The serving stack alone (GET {c['path']}: no database, no session, same servers and connections): "
            f"{c['per_s']:,.0f} requests/s = {c['per_s'] / r['pgbench_mean'] * 100:.0f} % of the INSERT rate "
            f"({c['statuses']})\n"
        )
    for name, v in r.get("floor_variants", {}).items():
        out.write(
            f"  {name}: {v['tps']:,.0f}/s = {v['ratio'] * 100:.0f} % — {'OK' if v['verified'] else 'MISMATCH'}\n"
        )
    for failure in r["failures"]:
        out.write(f"  refused/failed: {failure}\n")
    if "one_cast_sql" in r:
        out.write(f"\nOne cast runs {len(r['one_cast_sql'])} SQL statements:\n")
        for n, sql in enumerate(r["one_cast_sql"], start=1):
            out.write(f"  {n:2}. {sql}\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=2, help="daphne processes")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections, spread over the servers")
    parser.add_argument("--conn-max-age", type=int, default=0, help="CONN_MAX_AGE of the servers (see start_servers)")
    parser.add_argument("--db-pool", type=int, default=0, help="psycopg pool of this size per server (needs psycopg_pool)")
    parser.add_argument("--warm-tokens", action="store_true", help="tokens marked used just now (no last_used_at write)")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--pgbench-clients", type=int, default=16)
    parser.add_argument("--pgbench-threads", type=int, default=2)
    parser.add_argument("--queries", action="store_true", help="print the SQL of one cast")
    parser.add_argument(
        "--stack-ceiling", type=int, default=0, metavar="N", help="first time N GETs of /health through the same servers"
    )
    parser.add_argument(
        "--floor-variants", action="store_true", help="also replay the SQL floor without its parts (what it costs)"
    )
    bench.add_common_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 voters, 3 s of pgbench")
    args = parser.parse_args(argv)
    if args.quick:
        args.voters, args.pgbench_seconds, args.concurrency = 500, 3, min(args.concurrency, 16)
    results = bench.report(args, run(args), print_report)
    if not results["verified"]:
        raise SystemExit(1)
    return results


if __name__ == "__main__":
    main()
