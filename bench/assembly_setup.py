"""Shared set-up of the general-assembly benchmarks (``bench/assembly_*.py``).

State is built straight in the database, as ``tests/assemblies/factory.py`` does but at scale:
people are loaded with ``COPY`` (psycopg 3 ``cursor.copy``), memberships, users, roll entries and
check-ins with one ``INSERT … SELECT`` each. Nothing here goes through the services being
measured, except ``convening._freeze_roll`` (the roll freeze's own SQL) where a benchmark needs a
frozen roll but does not measure freezing it.

The benchmarks run on PostgreSQL only (``DATABASE_URL=postgres://…``). Each script builds its own
assembly and deletes it at the end (``--keep`` leaves it). The cooperative of N members, the costly
part to load, is kept and reused by the next run that asks for the same N (``--fresh-members``
loads a new one). Background jobs are never run: jobs are not immediate (``JOBS_IMMEDIATE=false``) and no worker
runs; a benchmark deletes the job rows it caused.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taavon.settings")
os.environ.setdefault("DEBUG", "false")  # no query log: measure what production runs
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # plain HTTP on 127.0.0.1
os.environ.setdefault("JOBS_IMMEDIATE", "false")  # notices are queued, never sent
os.environ.setdefault("TAAVON_VAR_DIR", str(ROOT / "var" / "bench-assemblies"))

COOPERATIVE_NAME = "تعاونی سنجش مجمع عمومی"
JOINED_ON = datetime.date(2021, 1, 1)
CODE_BASE = 200_000_000  # first nine digits of the national codes the benchmarks generate


def django_setup(*, setup_database: bool = False) -> None:
    """Configure Django against DATABASE_URL (PostgreSQL required); ``setup_database`` first creates
    the database if missing and migrates it (as ``bench/run.py --setup`` does)."""
    import run

    if run._postgres_target() is None:
        raise SystemExit(
            "The assembly benchmarks run on PostgreSQL: set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/taavon_bench_assemblies"
        )
    if setup_database:
        run.ensure_database(recreate=False)
        print("Migrating …", flush=True)
        run.taavon("migrate", "--no-input", "-v", "0")
    import django

    django.setup()


def shared_cache(prefix: str = "taavon-bench-assemblies") -> str:
    """Point Django's cache at Redis (``BENCH_REDIS_URL``, default the local server), under a key
    prefix of its own, so that several benchmark processes share it as a deployment's processes do
    (without ``REDIS_URL`` the settings give each process its own memory cache; the channel
    layer is left as it is). Call after :func:`django_setup`; returns the cache's location, or
    ``"per-process memory"`` when Redis does not answer."""
    from django.test.utils import override_settings

    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001 - any failure means: no shared cache
        return "per-process memory"
    override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}}
    ).enable()
    return url


def machine() -> dict:
    import run

    return run.machine()


def database_version() -> str:
    import run

    return run.database_version()


def percentile(values: list[float], q: float) -> float:
    from registry_queries import percentile as registry_percentile

    return registry_percentile(values, q)


def latency_ms(samples: list[float]) -> dict:
    """p50 / p95 / p99 / max in milliseconds of samples in seconds."""
    ms = [s * 1000 for s in samples]
    if not ms:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99), "max": max(ms)}


class Timer:
    """``with Timer() as t: …`` then ``t.seconds``."""

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started


def say(text: str) -> None:
    print(text, flush=True)


def load_average() -> float:
    return os.getloadavg()[0]


# --------------------------------------------------------------------------- SQL helpers


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def fetchall(sql: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def copy_rows(table: str, columns: list[str], rows) -> None:
    """``COPY table (columns) FROM STDIN`` with psycopg 3, one tuple per row."""
    from django.db import connection

    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def explain(sql: str, params=None, *, rollback: bool = False, immediate: bool = False) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of ``sql``; with ``rollback`` inside a transaction rolled back;
    with ``immediate``, deferred constraints are checked at once, so their trigger times show."""
    from django.db import transaction

    class _Undo(Exception):
        pass

    plan: list[str] = []
    try:
        with transaction.atomic():
            if immediate:
                execute("SET CONSTRAINTS ALL IMMEDIATE")
            plan = [row[0] for row in fetchall(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)]
            if rollback:
                raise _Undo
    except _Undo:
        pass
    return "\n".join(plan)


def analyze(*tables: str) -> None:
    for table in tables:
        execute(f"ANALYZE {table}")


# --------------------------------------------------------------------------- people and members


def _next_code_base() -> int:
    """Nine-digit prefix above every national code already loaded by a benchmark."""
    top = fetchall("SELECT max(national_code) FROM registry_person")[0][0]
    if not top or int(top[:9]) < CODE_BASE:
        return CODE_BASE
    return int(top[:9]) + 1


def _codes(base: int, count: int) -> list[str]:
    from taavon.core.identifiers import make_national_code

    codes, n = [], base
    while len(codes) < count:
        digits = f"{n:09d}"
        n += 1
        if len(set(digits)) > 1:
            codes.append(make_national_code(digits))
    return codes


def _new_legal_id(rng: random.Random) -> str:
    from taavon.core.identifiers import make_legal_national_id
    from taavon.registry.models import Cooperative

    while True:
        candidate = make_legal_national_id(f"{rng.randint(1_500_000_000, 1_999_999_999):010d}")
        if not Cooperative.objects.filter(national_id=candidate).exists():
            return candidate


def load_members(coop, count: int) -> dict:
    """``count`` active, verified members of ``coop``: people by COPY, memberships by INSERT … SELECT."""
    from django.db import transaction

    from taavon.core.persian import normalize
    from taavon.registry.models import Cooperative

    key_prefix = normalize("مریم عضو")
    assert normalize("مریم عضو17") == key_prefix + "17"
    timings = {}
    with transaction.atomic():
        codes = _codes(_next_code_base(), count)
        with Timer() as t:
            copy_rows(
                "registry_person",
                ["national_code", "first_name", "last_name", "name_key", "mobile", "email", "gender"],
                (
                    (code, "مریم", f"عضو{i}", f"{key_prefix}{i}", f"09{int(code[:9]) % 1_000_000_000:09d}", "", "")
                    for i, code in enumerate(codes, start=1)
                ),
            )
        timings["people_copy_s"] = t.seconds
        with Timer() as t:
            inserted = execute(
                "INSERT INTO registry_membership (membership_number, joined_on, shares_held, shares_paid, status, "
                "verified_at, cooperative_id, person_id) "
                "SELECT '', %s, 10000000, 10000000, 'active', now(), %s, p.id FROM registry_person p "
                "WHERE p.national_code BETWEEN %s AND %s ORDER BY p.id",
                [JOINED_ON, coop.pk, codes[0], codes[-1]],
            )
        timings["memberships_insert_s"] = t.seconds
        assert inserted == count, (inserted, count)
        Cooperative.objects.filter(pk=coop.pk).update(member_count=count)
    with Timer() as t:
        analyze("registry_person", "registry_membership")
    timings["analyze_s"] = t.seconds
    return timings


def bench_cooperative(members: int, *, fresh: bool = False, seed: int = 1404):
    """A cooperative with exactly ``members`` active, verified members, reused across runs."""
    from taavon.geo.models import County, Province
    from taavon.registry.models import Cooperative, Membership

    name = f"{COOPERATIVE_NAME} {members}"
    if not fresh:
        for coop in Cooperative.objects.filter(name=name).order_by("-pk"):
            if Membership.objects.filter(cooperative=coop, status="active").count() == members:
                say(f"Reusing cooperative #{coop.pk} with {members:,} members.")
                return coop, {"reused": True}
    rng = random.Random(seed + members)
    province = Province.objects.order_by("code").first()
    if province is None:
        from taavon.geo.services import load_provinces

        load_provinces()
        province = Province.objects.order_by("code").first()
    coop = Cooperative.objects.create(
        name=name,
        national_id=_new_legal_id(rng),
        registration_number=str(rng.randint(10_000, 99_999)),
        registration_date=datetime.date(2015, 5, 1),
        province=province,
        county=County.objects.filter(province=province).order_by("pk").first(),
        activity="consumer",
        membership_type="open",
        legal_type="public",
        authorised_capital=10_000_000 * members,
        paid_in_capital=10_000_000 * members,
    )
    say(f"Loading {members:,} members into cooperative #{coop.pk} (COPY) …")
    with Timer() as t:
        timings = load_members(coop, members)
    timings["total_s"] = t.seconds
    say(f"  loaded in {t.seconds:.1f} s ({members / t.seconds:,.0f} members/s)")
    return coop, {"reused": False, **timings}


def officer(coop):
    """An officer of ``coop`` (MANAGE on its assemblies), created once per cooperative."""
    from taavon.accounts.models import Role, RoleGrant, User
    from taavon.core.identifiers import make_national_code

    grant = RoleGrant.objects.filter(role=Role.OFFICER, cooperative=coop).select_related("user").first()
    if grant is not None:
        return grant.user
    n = 100_000_000 + coop.pk * 7
    while True:
        code = make_national_code(f"{n:09d}")
        if not User.objects.filter(national_code=code).exists():
            break
        n += 1
    user = User.objects.create_user(national_code=code, full_name="مسئول سنجش", mobile="09120000000")
    RoleGrant.objects.create(user=user, role=Role.OFFICER, cooperative=coop)
    return user


# --------------------------------------------------------------------------- assemblies


def rules_snapshot() -> dict:
    """The rules as ``publish_notice`` stores them on the assembly (JSON: pairs become lists)."""
    from taavon import rules
    from taavon.assemblies import law

    return {k: list(v) if isinstance(v, tuple) else v for k, v in rules.snapshot(law.ASSEMBLY_RULE_KEYS).items()}


def new_assembly(coop, *, state: str = "draft", mode: str = "electronic", title: str = "مجمع عمومی عادی سالیانه (سنجش)", **fields):
    from django.utils import timezone

    from taavon.assemblies.models import Assembly

    start = fields.pop("starts_at", timezone.now() + datetime.timedelta(days=25))
    return Assembly.objects.create(
        cooperative=coop,
        kind=fields.pop("kind", "annual_ordinary"),
        mode=mode,
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        state=state,
        rules=fields.pop("rules", rules_snapshot()),
        **fields,
    )


def freeze_roll(assembly) -> float:
    """The roll frozen with the convening code's own INSERT … SELECT; the notice marked published."""
    from django.db import transaction
    from django.utils import timezone

    from taavon.assemblies.convening import services as convening

    with Timer() as t, transaction.atomic():
        today = timezone.localdate()
        size = convening._freeze_roll(assembly, today)
        assembly.roll_size = assembly.notices_total = size
        assembly.record_date = today
        assembly.notice_published_at = timezone.now()
        assembly.state = "noticed"
        assembly.save()
    analyze("assemblies_rollentry")
    return t.seconds


def check_in(assembly, count: int | None = None) -> int:
    """Check in the first ``count`` roll entries (all by default) with one INSERT … SELECT."""
    limit = "" if count is None else f"LIMIT {int(count)}"
    n = execute(
        "INSERT INTO assemblies_checkin (at, by_secretary, assembly_id, roll_entry_id) "
        f"SELECT now(), false, %s, id FROM assemblies_rollentry WHERE assembly_id = %s ORDER BY id {limit}",
        [assembly.pk, assembly.pk],
    )
    analyze("assemblies_checkin")
    return n


def open_session(assembly) -> None:
    from django.utils import timezone

    assembly.state = "in_session"
    assembly.opened_at = timezone.now()
    assembly.save(update_fields=["state", "opened_at"])


def open_motion(assembly, title: str = "تصویب صورت‌های مالی (سنجش)"):
    """A motion with voting open and the quorum of this moment kept on it, as ``voting.open_item`` does."""
    from django.utils import timezone

    from taavon.assemblies.models import AgendaItem
    from taavon.assemblies.session import services as attendance

    return AgendaItem.objects.create(
        assembly=assembly,
        position=assembly.items.count() + 1,
        title=title,
        kind="motion",
        state="open",
        opened_at=timezone.now(),
        quorum_at_open=attendance.quorum_figures(assembly),
    )


def receipt_hash(item_id: int, code: str) -> str:
    """``ballot_box.receipt_hash`` for a code already in canonical form (16 lower-case hex digits)."""
    return hashlib.sha256(f"taavon-receipt:{item_id}:{code}".encode()).hexdigest()


def receipt_code(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def new_token() -> str:
    return "tvn_" + secrets.token_urlsafe(32)


def delete_assembly(assembly_id: int) -> float:
    """Delete an assembly and everything under it with plain SQL (the ORM's cascade would load
    every row into Python); the seconds it took."""
    from django.db import transaction

    from taavon.assemblies.models import Assembly

    items = "SELECT id FROM assemblies_agendaitem WHERE assembly_id = %s"
    statements = [
        f"DELETE FROM assemblies_ballotmark WHERE item_id IN ({items})",
        f"DELETE FROM assemblies_ballot WHERE item_id IN ({items})",
        f"DELETE FROM assemblies_voterecord WHERE item_id IN ({items})",
        "DELETE FROM assemblies_checkin WHERE assembly_id = %s",
        "DELETE FROM assemblies_proxy WHERE assembly_id = %s",
        "DELETE FROM assemblies_proxyholderpresence WHERE assembly_id = %s",
        f"DELETE FROM assemblies_candidate WHERE item_id IN ({items})",
        "DELETE FROM assemblies_rollentry WHERE assembly_id = %s",
    ]
    with Timer() as t:
        with transaction.atomic():
            for sql in statements:
                execute(sql, [assembly_id])
            Assembly.objects.filter(pk=assembly_id).delete()
        # The next run must not pay for a million dead rows (autovacuum may come much later).
        for table in ("assemblies_ballot", "assemblies_voterecord", "assemblies_checkin", "assemblies_proxy", "assemblies_rollentry"):
            execute(f"VACUUM ANALYZE {table}")
    return t.seconds


def pg_connection_args() -> list[str]:
    """-h/-p/-U/dbname for the PostgreSQL client tools, from Django's settings."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return [*args, str(db["NAME"])]


def pg_env() -> dict:
    from django.conf import settings

    env = dict(os.environ)
    if settings.DATABASES["default"].get("PASSWORD"):
        env["PGPASSWORD"] = str(settings.DATABASES["default"]["PASSWORD"])
    return env


def run_tool(args: list[str]) -> str:
    done = subprocess.run(args, env=pg_env(), check=True, text=True, capture_output=True)
    return done.stdout + done.stderr


# --------------------------------------------------------------------------- command line


def add_common_arguments(parser, *, keeps: str = "the assembly built for the run") -> None:
    """The options every assembly benchmark takes."""
    parser.add_argument("--fresh-members", action="store_true", help="load a new cooperative instead of reusing one")
    parser.add_argument("--keep", action="store_true", help=f"keep {keeps}")
    parser.add_argument("--setup", action="store_true", help="create the database if missing and migrate it")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")


def report(args, results: dict, print_report) -> dict:
    """Print the figures and, with ``--json``, write them."""
    import json

    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return results
