"""Benchmark entry point: optionally build the database, then time the registry's hot reads.

    # the embedded SQLite database with the default demo data (2,000 cooperatives)
    .venv/bin/python bench/run.py --setup

    # PostgreSQL at scale (creates the database if missing, migrates, loads, measures)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_bench \\
        .venv/bin/python bench/run.py --setup --cooperatives 250000 --members 5000000

Without ``--setup`` it measures whatever the configured database holds. ``--setup`` loads the
demo only into an empty database (``taavon demo --if-empty``); ``--recreate`` first drops and
re-creates the database, and is refused unless the database name ends in ``_bench``. The demo
load is timed from the outside (the ``taavon demo`` process, wall clock). Figures are printed
and, with ``--json``, written to a file; docs/PERFORMANCE.md records a run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
TAAVON = [sys.executable, "-m", "taavon.cli"]

import registry_queries  # noqa: E402  (bench/ is on the path above; Django is set up only when measuring)


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "")


def _postgres_target() -> tuple[str, str] | None:
    """(maintenance URL, database name) when DATABASE_URL is PostgreSQL."""
    url = database_url()
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return None
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance = parsed._replace(scheme="postgresql", path="/postgres").geturl()
    return maintenance, name


def ensure_database(*, recreate: bool) -> None:
    """Create the PostgreSQL database if it does not exist (drop it first with ``recreate``)."""
    target = _postgres_target()
    if target is None:
        return
    import psycopg
    from psycopg import sql

    maintenance, name = target
    if recreate and not name.endswith("_bench"):
        raise SystemExit(f"--recreate drops the database; refused for {name!r} (the name must end in _bench).")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            print(f"Dropping database {name} …", flush=True)
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            print(f"Creating database {name} …", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def taavon(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*TAAVON, *args], cwd=ROOT, check=True, text=True, capture_output=True)


def setup(*, cooperatives: int, members: int | None, seed: int, recreate: bool, progress: bool) -> dict:
    ensure_database(recreate=recreate)
    print("Migrating …", flush=True)
    taavon("migrate", "--no-input", "-v", "0")
    args = ["demo", "--if-empty", "--cooperatives", str(cooperatives), "--seed", str(seed)]
    if members is not None:
        args += ["--members", str(members)]
    if not progress:
        args.append("--no-progress")
    print("Loading demo data: taavon " + " ".join(args), flush=True)
    started = time.monotonic()
    # stderr (the progress bar) goes straight to the terminal.
    done = subprocess.run([*TAAVON, *args], cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE)
    seconds = time.monotonic() - started
    print(done.stdout.strip(), flush=True)
    loaded = "already exist" not in done.stdout
    return {"command": "taavon " + " ".join(args), "seconds": round(seconds, 1), "loaded": loaded, "output": done.stdout}


def machine() -> dict:
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        return cursor.fetchone()[0]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description="Set up (optionally) and benchmark the registry queries.")
    parser.add_argument("--setup", action="store_true", help="create/migrate the database and load the demo if empty")
    parser.add_argument("--recreate", action="store_true", help="drop and re-create a PostgreSQL *_bench database first")
    parser.add_argument("--cooperatives", type=int, default=2000)
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest searches (PostgreSQL)")
    parser.add_argument("--only", default=",".join(registry_queries.QUERIES), help="comma-separated subset of queries")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--json", type=Path, help="write machine, setup and figures to this JSON file")
    args = parser.parse_args(argv)

    report = {"machine": machine()}
    if args.setup:
        report["setup"] = setup(
            cooperatives=args.cooperatives,
            members=args.members,
            seed=args.seed,
            recreate=args.recreate,
            progress=not args.no_progress,
        )
        if report["setup"]["loaded"]:
            print(f"Demo load took {report['setup']['seconds']:.1f} s (wall clock).", flush=True)

    results = registry_queries.run(
        iterations=args.iterations, seed=args.seed, explain=args.explain, only=tuple(args.only.split(","))
    )
    report["database"] = database_version()
    report["results"] = results
    print(f"\n{report['database']}")
    print(f"Machine: {report['machine'].get('cpu', '?')}, {report['machine']['cpus']} CPUs, "
          f"{report['machine'].get('memory_gb', '?')} GB; {report['machine']['date']}")
    registry_queries.print_report(results)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        print(f"\nWrote {args.json}")
    return report


if __name__ == "__main__":
    main()
