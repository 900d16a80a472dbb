"""Latency of the registry's two hot reads, against the configured database (DATABASE_URL).

    .venv/bin/python bench/registry_queries.py [--iterations 2000] [--seed 1404] [--json out.json] [--explain]

(a) member lookup by national code: every membership of the person with that code, with its
    cooperative — the selector ``taavon.registry.selectors.memberships_by_national_code(code)``
    (one hand-written statement, ten columns, small dataclasses). For reference, ``lookup_orm`` times the query it replaced, with whole
    model instances: ``Membership.objects.filter(person__national_code=code).select_related("cooperative")``.
    About 5 % of the codes asked are valid codes of nobody, as in real use.
(b) Persian name search over cooperatives: ``taavon.registry.public.selectors.search_cooperatives(q=...)``,
    first page of 20 rows; measured twice: the 20 rows alone, and the page as the public
    register builds it (``Paginator(...).get_page(1)``: the 20 rows plus the match count, capped).
    Queries are drawn from the generated names: single words, two-word phrases, word
    beginnings (partial words), whole names, Arabic ي/ك spellings and ZWNJ/space variants.
(c) an officer's member lookup inside their cooperative: ``taavon.registry.selectors.members_of(coop, q=code)``.

Each figure is the wall time of building and evaluating the query in this process (ORM
included), after a warm-up. Prints p50 / p95 / max in milliseconds and pass/fail against the
targets on PostgreSQL (lookup p95 ≤ 5 ms, search p95 ≤ 50 ms); (a') and (c) have no target and are shown for reference.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taavon.settings")
os.environ.setdefault("DEBUG", "false")  # no query log: measure what production runs

TARGETS_MS = {"lookup": 5.0, "search": 50.0, "search_page": 50.0}  # (a') and (c) are reported without a target
WARMUP = 50
GENERIC_WORDS = {"تعاونی", "شرکت", "اتحادیه", "و", "شماره", "استان", "شهرستان"}


def percentile(values: list[float], q: float) -> float:
    """The ``q`` percentile (0–100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "max": max(ms) if ms else math.nan,
    }


def _random_ids(model, rng: random.Random, count: int) -> list[int]:
    """Ids of ``count`` random existing rows (dense id ranges, so sampling the range works)."""
    from django.db.models import Max, Min

    bounds = model.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    ids: set[int] = set()
    attempts = 0
    while len(ids) < count and attempts < 20:
        attempts += 1
        wanted = [rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 2)]
        ids.update(model.objects.filter(pk__in=wanted).values_list("pk", flat=True)[: count - len(ids)])
    return list(ids)[:count]


def national_codes(rng: random.Random, count: int) -> list[str]:
    """Codes of random members, plus about 5 % valid codes that nobody holds."""
    from taavon.core.identifiers import make_national_code
    from taavon.registry.models import Membership, Person

    member_ids = _random_ids(Membership, rng, count)
    codes = list(Person.objects.filter(memberships__id__in=member_ids).values_list("national_code", flat=True))
    misses = []
    while len(misses) < max(1, count // 20):
        digits = f"{rng.randint(900_000_000, 999_999_998):09d}"
        if len(set(digits)) > 1 and not Person.objects.filter(national_code__startswith=digits).exists():
            misses.append(make_national_code(digits))
    codes = codes[: count - len(misses)] + misses
    rng.shuffle(codes)
    return codes


def _arabic(text: str) -> str:
    return text.replace("ی", "ي").replace("ک", "ك")


def search_queries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn from the names of random cooperatives."""
    from taavon.registry.models import Cooperative

    names = list(Cooperative.objects.filter(pk__in=_random_ids(Cooperative, rng, count)).values_list("name", flat=True))
    queries = []
    for name in names:
        words = [w for w in name.split() if w not in GENERIC_WORDS and len(w) > 2]
        if not words:
            continue
        kind = rng.choice(["word", "word", "two_words", "partial", "full_name", "arabic", "zwnj", "broad"])
        if kind == "two_words" and len(words) >= 2:
            i = rng.randrange(len(words) - 1)
            q = f"{words[i]} {words[i + 1]}"
        elif kind == "partial":
            word = max(words, key=len)
            q = word[: max(3, len(word) // 2)]
        elif kind == "full_name":
            q = name
        elif kind == "arabic":
            q = _arabic(" ".join(words[:2]))
        elif kind == "zwnj":
            joined = [w for w in words if "\u200c" in w]
            if joined:  # the same word typed joined up or with a space
                q = rng.choice(joined).replace("\u200c", rng.choice(["", " "]))
            else:
                q = rng.choice(["تعاونی‌های", "تعاونیهای", "تعاونی های"]) + " " + rng.choice(words)
        elif kind == "broad":
            q = rng.choice(["تعاونی مسکن", "تعاونی تولیدی", "مصرف", "کشاورزی", "تعاونی"])
        else:
            kind, q = "word", rng.choice(words)
        queries.append((kind, q))
    return queries


def _timed(fn, inputs, iterations: int, rng: random.Random) -> tuple[list[float], list[tuple[float, object]]]:
    picks = [rng.choice(inputs) for _ in range(iterations + WARMUP)]
    samples, slowest = [], []
    for i, item in enumerate(picks):
        started = time.perf_counter()
        fn(item)
        elapsed = time.perf_counter() - started
        if i >= WARMUP:
            samples.append(elapsed)
            slowest.append((elapsed, item))
    slowest.sort(key=lambda pair: pair[0], reverse=True)
    return samples, slowest[:5]


QUERIES = ("lookup", "lookup_orm", "search", "search_page", "members_of")


def run(iterations: int = 2000, seed: int = 1404, explain: bool = False, only=QUERIES) -> dict:
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection

    from taavon.registry import selectors
    from taavon.registry.models import Cooperative, Membership, Person
    from taavon.registry.public import selectors as public

    load_before = os.getloadavg()[0]
    rng = random.Random(seed)
    codes = national_codes(rng, min(iterations, 2000))
    queries = search_queries(rng, min(iterations, 2000))
    if not codes or not queries:
        raise SystemExit("The database has no demo data: run `taavon demo` (or bench/run.py --setup) first.")

    def lookup(code):
        return list(selectors.memberships_by_national_code(code))

    def lookup_orm(code):
        return list(Membership.objects.filter(person__national_code=code).select_related("cooperative"))

    def search(pair):
        return list(public.search_cooperatives(q=pair[1])[:20])

    def search_page(pair):
        page = Paginator(public.search_cooperatives(q=pair[1]), 20).get_page(1)
        return list(page.object_list), page.paginator.count

    member_pairs = list(
        Membership.objects.filter(pk__in=_random_ids(Membership, rng, 500))
        .select_related("cooperative", "person")
        .values_list("cooperative_id", "person__national_code")
    )
    coops = Cooperative.objects.in_bulk({c for c, _ in member_pairs})

    def members_of(pair):
        return list(selectors.members_of(coops[pair[0]], q=pair[1])[:20])

    results = {
        "database": connection.vendor,
        "counts": {
            "cooperatives": Cooperative.objects.count(),
            "people": Person.objects.count(),
            "memberships": Membership.objects.count(),
        },
        "iterations": iterations,
        "load_before": load_before,
        "figures": {},
        "slowest": {},
    }
    for name, fn, inputs in [
        ("lookup", lookup, codes),
        ("lookup_orm", lookup_orm, codes),
        ("search", search, queries),
        ("search_page", search_page, queries),
        ("members_of", members_of, member_pairs),
    ]:
        if name not in only:
            continue
        samples, slowest = _timed(fn, inputs, iterations, rng)
        results["figures"][name] = summarise(samples)
        results["slowest"][name] = [(round(t * 1000, 2), item) for t, item in slowest]

    by_kind: dict[str, list[float]] = {}
    for kind, q in queries if "search" in only else []:
        started = time.perf_counter()
        search((kind, q))
        by_kind.setdefault(kind, []).append(time.perf_counter() - started)
    results["search_by_kind"] = {kind: summarise(s) for kind, s in sorted(by_kind.items())}
    results["load_after"] = os.getloadavg()[0]

    if explain and connection.vendor == "postgresql" and "search_page" in results["slowest"]:
        results["explain"] = {}
        worst = results["slowest"]["search_page"][0][1][1]
        for label, q in [("slowest search", worst), ("broad search", "تعاونی مسکن")]:
            # Each part of the ranked results is its own query: explain the ones a first page reads.
            for n, part in enumerate(public.search_cooperatives(q=q).parts):
                results["explain"][f"{label}, part {n + 1}, first 20 rows: {q}"] = part.explain(20)
        code = codes[0]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + selectors.membership_lookup_sql(), [code])
            results["explain"][f"lookup: {code}"] = "\n".join(row[0] for row in cursor.fetchall())
    return results


def print_report(results: dict, out=sys.stdout) -> None:
    counts = results["counts"]
    out.write(
        f"\nLoad average (1 min) before/after: {results['load_before']:.2f} / {results['load_after']:.2f} "
        f"on {os.cpu_count()} CPUs — other work on the machine slows every figure"
    )
    out.write(
        f"\nDatabase: {results['database']} — {counts['cooperatives']:,} cooperatives, {counts['people']:,} people, "
        f"{counts['memberships']:,} memberships; {results['iterations']:,} iterations each\n\n"
    )
    labels = {
        "lookup": "(a) member lookup by national code",
        "lookup_orm": "(a') the same, ORM with select_related",
        "search": "(b) name search, first 20 rows",
        "search_page": "(b) name search, page with count",
        "members_of": "(c) officer: members_of(coop, q=code)",
    }
    out.write(f"{'query':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target p95':>11}  result\n")
    for name, figure in results["figures"].items():
        target = TARGETS_MS.get(name)
        verdict = "—" if target is None else ("pass" if figure["p95"] <= target else "FAIL")
        target_text = "—" if target is None else "≤ " + format(target, "g")
        out.write(
            f"{labels[name]:<40} {figure['p50']:>8.2f} {figure['p95']:>8.2f} {figure['max']:>8.2f} "
            f"{target_text:>11}  {verdict}\n"
        )
    if results["search_by_kind"]:
        out.write("\nName search by kind of query (first 20 rows, one pass):\n")
    for kind, figure in results["search_by_kind"].items():
        out.write(f"  {kind:<10} n={figure['n']:<5} p50 {figure['p50']:7.2f}  p95 {figure['p95']:7.2f}  max {figure['max']:7.2f}\n")
    if "search_page" in results["slowest"]:
        out.write("\nSlowest name searches (page with count, ms):\n")
    for ms, (kind, q) in results["slowest"].get("search_page", []):
        out.write(f"  {ms:8.2f}  {kind:<10} {q}\n")
    for label, plan in results.get("explain", {}).items():
        out.write(f"\nEXPLAIN ANALYZE — {label}\n{plan}\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest searches (PostgreSQL)")
    parser.add_argument("--only", default=",".join(QUERIES), help=f"comma-separated subset of {','.join(QUERIES)}")
    args = parser.parse_args(argv)
    only = tuple(args.only.split(","))
    results = run(iterations=args.iterations, seed=args.seed, explain=args.explain, only=only)
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
