"""Deterministic demo data at any scale: cooperatives, people, memberships, boards and status histories.

Two passes:

*plan*
    decides, for every cooperative, its legal type and how many memberships it has, so that the
    total hits the target (``--members``) while almost every cooperative respects the legal
    minimum (and maximum) of its type (rules ``members.limits_by_type``). About
    :data:`NON_COMPLIANT_SHARE` of them deliberately do not, for supervisors to find.
*detail*
    streams: for each cooperative it makes the cooperative row and its rows in the public register's
    word index (``registry.models.word_rows``), its status history, its people
    and memberships and its governing positions, and hands the rows to a :class:`RowWriter`
    that flushes them in batches: ``bulk_create`` or, on PostgreSQL, ``COPY``. Both receive the
    very same tuples, so both load the same data. Nothing is held beyond one batch.

Randomness comes from three ``random.Random`` streams seeded from ``--seed`` (plan, cooperative
attributes, people), so a cooperative's name, place and identifiers do not depend on how many
members the cooperatives before it received. Identifiers are not random: national codes, legal
national IDs and mobiles derive from counters, so they are unique at any scale. Dates are placed
relative to the day of generation, so board terms and deadlines stay current.
"""

from __future__ import annotations

import datetime
import json
import queue
import random
import threading
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from taavon import rules
from taavon.core.identifiers import make_legal_national_id, make_national_code
from taavon.core.persian import normalize, to_persian_digits
from taavon.geo.models import County, Province
from taavon.registry.models import (
    BODY_OF_ROLE,
    SECTOR_OF_ACTIVITY,
    Activity,
    Cooperative,
    CooperativeStatus,
    CooperativeWord,
    LegalType,
    Membership,
    MembershipStatus,
    MembershipType,
    Person,
    Position,
    PositionRole,
    StatusChange,
    search_key_of,
    word_rows,
)

from . import names
from .logins import LOGIN_BY_KEY, RESERVED_NATIONAL_CODES, create_demo_logins

DEFAULT_SEED = 1404
DEFAULT_COOPERATIVES = 2_000
#: ``--members`` defaults to this many memberships per cooperative (60,000 for 2,000).
MEMBERS_PER_COOPERATIVE = 30
#: Up to this many memberships the whole load is one transaction; above it each batch commits.
SINGLE_TRANSACTION_LIMIT = 500_000
#: Rows buffered before the writer flushes.
BATCH_ROWS = 60_000

#: Share of cooperatives generated outside the legal member limits of their type, on purpose.
NON_COMPLIANT_SHARE = 0.025
#: Share of cooperatives whose paid-in capital is below the legal minimum share, on purpose.
UNDERPAID_SHARE = 0.02
#: Chance that a membership goes to a person who is already a member elsewhere.
PERSON_REUSE = 0.07

# Legal types with their base weight and how far their membership spreads above the minimum.
# Types whose minimum is above the general minimum are scaled down when the target average is
# low (see _plan), so small targets still leave most cooperatives legal.
TYPE_WEIGHTS = (
    (LegalType.EMPLOYMENT, 0.66, 1.0),
    (LegalType.HOUSING, 0.12, 2.5),
    (LegalType.UNION, 0.015, 0.4),
    (LegalType.TRADE, 0.07, 2.0),
    (LegalType.CONSUMER, 0.04, 25.0),
    (LegalType.CREDIT, 0.025, 6.0),
    (LegalType.STUDENT, 0.025, 2.0),
    (LegalType.RURAL, 0.012, 30.0),
    (LegalType.BORDER, 0.003, 20.0),
)
# Share of memberships the legal minimums may take; the rest spreads with a heavy tail.
MINIMUM_BUDGET = 0.5

EMPLOYMENT_ACTIVITIES = (
    (Activity.AGRICULTURE, 0.20),
    (Activity.LIVESTOCK, 0.10),
    (Activity.FISHING, 0.02),
    (Activity.INDUSTRY, 0.30),
    (Activity.MINING, 0.03),
    (Activity.CONSTRUCTION, 0.06),
    (Activity.SERVICES, 0.27),
    (Activity.MULTIPURPOSE, 0.02),
)
UNION_ACTIVITIES = (
    (Activity.HOUSING, "مسکن"),
    (Activity.CONSUMER, "مصرف"),
    (Activity.INDUSTRY, "تولیدی"),
    (Activity.AGRICULTURE, "کشاورزی"),
    (Activity.SERVICES, "حمل و نقل"),
    (Activity.INDUSTRY, "فرش دستباف"),
    (Activity.CREDIT, "اعتبار"),
    (Activity.INDUSTRY, "صنایع دستی"),
    (Activity.LIVESTOCK, "دامداران"),
    (Activity.MULTIPURPOSE, "روستایی و کشاورزی"),
)
# Rials per member share, by activity: (low, high) in millions.
SHARE_MILLIONS = {
    Activity.AGRICULTURE: (20, 300),
    Activity.LIVESTOCK: (20, 300),
    Activity.FISHING: (20, 200),
    Activity.INDUSTRY: (50, 600),
    Activity.MINING: (50, 600),
    Activity.CONSTRUCTION: (50, 500),
    Activity.CONSUMER: (1, 10),
    Activity.HOUSING: (50, 500),
    Activity.CREDIT: (5, 50),
    Activity.SERVICES: (20, 300),
    Activity.SUPPLY: (10, 100),
    Activity.MULTIPURPOSE: (2, 100),
}
ISIC_OF_ACTIVITY = {
    Activity.CONSUMER: "4711",
    Activity.HOUSING: "6810",
    Activity.CREDIT: "6492",
    Activity.SUPPLY: "4690",
    Activity.MULTIPURPOSE: "0150",
}

# Person national codes: the nine leading digits are OFFSET + n * STEP, increasing with n, so
# codes are unique and PostgreSQL appends to its national-code indexes instead of writing all
# over them (a random order made loading millions of people several times slower). The block
# tests/helpers.py counts in is skipped. Room for about 27 million people.
_CODE_OFFSET = 4_000_000
_CODE_STEP = 37
_CODE_SKIP = range(100_000_000, 110_000_000)
_LEGAL_ID_BASE = 1_030_000_000
_RESERVED_BASES = frozenset(code[:9] for code in RESERVED_NATIONAL_CODES)


@dataclass(frozen=True)
class NewsCooperative:
    """A cooperative from the news of cooperative week 1404 (shared/seed), always present."""

    name: str
    national_id: str
    province_code: str
    county_name: str
    activity: str
    isic_code: str
    employees: int
    members: int
    share_rials: int
    registration_date: datetime.date
    brands: tuple[str, ...]
    description: str


NEWS_COOPERATIVES = (
    NewsCooperative(
        name="تعاونی حرکت بلبرینگ ایمن",
        national_id=make_legal_national_id("1010305070"),
        province_code="28",
        county_name="شهریار",
        activity=Activity.INDUSTRY,
        isic_code="2814",
        employees=170,
        members=46,
        share_rials=300_000_000,
        registration_date=datetime.date(2006, 8, 20),
        brands=("HBI",),
        description=(
            "تولید بلبرینگ‌های سوزنی و تراست با برند HBI؛ تأمین‌کننده نیازهای شرکت‌های خودروسازی "
            "از جمله ایران‌خودرو. آزمایشگاه مجهز کنترل کیفیت تعاونی، کیفیت محصولات را به سطح "
            "استانداردهای جهانی رسانده است. اشتغال: ۱۷۰ نفر."
        ),
    ),
    NewsCooperative(
        name="تعاونی تولیدی نساجی و پوشاک همگامان اصفهان",
        national_id=make_legal_national_id("1010305071"),
        province_code="12",
        county_name="اصفهان",
        activity=Activity.INDUSTRY,
        isic_code="1410",
        employees=35,
        members=14,
        share_rials=150_000_000,
        registration_date=datetime.date(2013, 10, 5),
        brands=(),
        description=(
            "تولید منسوجات، محصولات چرمی و پوشاک باکیفیت برای کاهش وابستگی به واردات و تقویت صنعت "
            "داخلی در حوزه نساجی، چرم و پوشاک. اشتغال: ۳۵ نفر."
        ),
    ),
)
BEARING, TEXTILE = NEWS_COOPERATIVES


class DemoError(Exception):
    """The demo cannot run with these arguments or on this database."""


@dataclass
class Summary:
    cooperatives: int = 0
    people: int = 0
    memberships: int = 0
    positions: int = 0
    status_changes: int = 0
    seconds: float = 0.0
    writer: str = ""
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------- writer

_COLUMNS = {
    Cooperative: (
        "id", "name", "name_key", "national_id", "registration_number", "registration_date",
        "registration_office", "province_id", "county_id", "activity", "sector", "membership_type",
        "membership_group", "legal_type", "isic_code", "status", "fiscal_year_end_month",
        "authorised_capital", "paid_in_capital", "employees", "knowledge_based_certificate",
        "knowledge_based_expires_on", "brands", "description", "phone", "email", "website", "address",
        "postal_code", "member_count", "created_at", "updated_at", "search_key",
    ),
    CooperativeWord: ("cooperative_id", "word", "name_key"),
    Person: ("id", "national_code", "first_name", "last_name", "name_key", "mobile", "email", "gender", "birth_date"),
    StatusChange: ("id", "cooperative_id", "status", "effective_on", "reason", "changed_by_id", "recorded_at"),
    Membership: (
        "id", "cooperative_id", "person_id", "membership_number", "joined_on", "left_on", "shares_held",
        "shares_paid", "status", "verified_at", "verified_by_id",
    ),
    Position: ("id", "cooperative_id", "person_id", "role", "body", "term_start", "term_end", "ended_on"),
}
# Foreign keys point backwards in this order, so flushing in it keeps every batch consistent.
_ORDER = (Cooperative, CooperativeWord, Person, StatusChange, Membership, Position)


class RowWriter:
    """Buffers row tuples per model and writes them in dependency order.

    ``use_copy`` streams them with PostgreSQL ``COPY … FROM STDIN`` (psycopg 3); otherwise each
    tuple becomes a model instance for ``bulk_create``. ``commit_each_batch`` wraps every flush
    in its own transaction (for loads too large for one); with ``background`` as well, a thread
    with its own connection writes batch *n* while the caller generates batch *n + 1*.
    ``skip_triggers`` (PostgreSQL superuser only) lets the writing connection skip the row-by-row
    foreign-key triggers; the caller then checks the references in bulk.
    """

    def __init__(
        self,
        *,
        use_copy: bool,
        commit_each_batch: bool,
        background: bool = False,
        skip_triggers: bool = False,
        batch_rows: int = BATCH_ROWS,
    ):
        self.use_copy = use_copy
        self.commit_each_batch = commit_each_batch
        self.skip_triggers = skip_triggers
        self.batch_rows = batch_rows
        self.rows: dict[type, list[tuple]] = {model: [] for model in _ORDER}
        self.pending = 0
        self.written = dict.fromkeys(_ORDER, 0)
        self.error: BaseException | None = None
        self.queue: queue.Queue | None = None
        self.thread: threading.Thread | None = None
        if background:
            if not commit_each_batch:
                raise ValueError("a background writer commits each batch on its own connection")
            self.queue = queue.Queue(maxsize=2)
            self.thread = threading.Thread(target=self._work, name="demo-writer", daemon=True)
            self.thread.start()
        elif skip_triggers:
            self._set_triggers(skip=True)

    def add(self, model, row: tuple) -> None:
        self.rows[model].append(row)
        self.pending += 1

    def extend(self, model, rows: list) -> None:
        self.rows[model].extend(rows)
        self.pending += len(rows)

    def maybe_flush(self) -> None:
        if self.pending >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.rows, self.pending = self.rows, {model: [] for model in _ORDER}, 0
        if self.queue is not None:
            self._raise_if_failed()
            self.queue.put(batch)
        elif self.commit_each_batch:
            with transaction.atomic():
                self._write(batch)
        else:
            self._write(batch)

    def close(self, *, flush: bool = True) -> None:
        """Write what is buffered, wait for the background writer and restore the triggers."""
        try:
            if flush:
                self.flush()
        finally:
            if self.thread is not None:
                assert self.queue is not None  # made with the thread
                self.queue.put(None)
                self.thread.join()
            elif self.skip_triggers:
                self._set_triggers(skip=False)
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def _work(self) -> None:
        try:
            if self.skip_triggers:
                self._set_triggers(skip=True)
            assert self.queue is not None  # this runs in the writer thread, made with its queue
            while (batch := self.queue.get()) is not None:
                if self.error is not None:
                    continue  # keep draining so the producer never blocks
                try:
                    with transaction.atomic():
                        self._write(batch)
                except BaseException as exc:  # handed to the producer thread
                    self.error = exc
        finally:
            connection.close()  # this thread's own connection

    @staticmethod
    def _set_triggers(*, skip: bool) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica" if skip else "RESET session_replication_role")

    def _write(self, batch) -> None:
        for model in _ORDER:
            rows = batch[model]
            if not rows:
                continue
            if self.use_copy:
                self._copy(model, rows)
            else:
                columns = _COLUMNS[model]
                manager: Any = model._default_manager  # one manager of the _ORDER models, each with its own rows
                manager.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2_000)
            self.written[model] += len(rows)

    @staticmethod
    def _copy(model, rows) -> None:
        attnames = _COLUMNS[model]
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[name] for name in attnames]
        json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
        quote = connection.ops.quote_name
        sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write_row = copy.write_row
            if not json_columns:
                for row in rows:
                    write_row(row)
                return
            for row in rows:
                row = list(row)
                for i in json_columns:
                    row[i] = json.dumps(row[i], ensure_ascii=False)
                write_row(row)


# ------------------------------------------------------------------------------------- generator


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _weighted(pairs):
    items = [p[0] for p in pairs]
    cumulative = list(accumulate(p[1] for p in pairs))
    return items, cumulative


def _pick(rng: random.Random, items, cumulative):
    return items[bisect_right(cumulative, rng.random() * cumulative[-1])]


_MALE, _FEMALE, _LAST = names.MALE_FIRST_NAMES, names.FEMALE_FIRST_NAMES, names.LAST_NAMES
_fromordinal = datetime.date.fromordinal


def _one(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


# National-code check digit (see core.identifiers): s = Σ digit[i] × (10 − i) over the nine
# leading digits, mod 11; the check digit is s when s < 2, else 11 − s. Split into the six-digit
# head (its weighted sum cached while consecutive codes share it) and a table for the last three.
_TAIL_SUMS = tuple(sum(int(c) * w for c, w in zip(f"{k:03d}", (4, 3, 2), strict=True)) for k in range(1000))
_head_cache = [-1, 0]


def _check_digit(base: int) -> str:
    head = base // 1000
    if _head_cache[0] != head:
        _head_cache[0] = head
        _head_cache[1] = sum(int(c) * w for c, w in zip(f"{head:06d}", (10, 9, 8, 7, 6, 5), strict=True))
    s = (_head_cache[1] + _TAIL_SUMS[base % 1000]) % 11
    return str(s if s < 2 else 11 - s)


def default_members(cooperatives: int) -> int:
    return cooperatives * MEMBERS_PER_COOPERATIVE


class DemoGenerator:
    """Builds the demo data set. ``run()`` writes it and returns a :class:`Summary`."""

    def __init__(
        self,
        *,
        cooperatives: int,
        members: int | None = None,
        seed: int = DEFAULT_SEED,
        progress=None,
        writer: str = "auto",
    ):
        if writer not in ("auto", "copy", "bulk_create"):
            raise DemoError("writer must be auto, copy or bulk_create.")
        if writer == "copy" and connection.vendor != "postgresql":
            raise DemoError("COPY needs PostgreSQL.")
        self.writer_kind = writer
        if cooperatives < len(NEWS_COOPERATIVES):
            raise DemoError(f"--cooperatives must be at least {len(NEWS_COOPERATIVES)} (the cooperatives from the news).")
        self.n = cooperatives
        self.members = default_members(cooperatives) if members is None else members
        if self.members < 0:
            raise DemoError("--members cannot be negative.")
        self.seed = seed
        self.progress = progress  # a callable(cooperatives_done, memberships_done) or None
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ set-up

    def _load_context(self) -> None:
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.provinces = list(Province.objects.order_by("code"))
        if len(self.provinces) == 0:
            raise DemoError("No provinces: run `taavon migrate` first.")
        self.province_items, self.province_cumulative = _weighted(
            [(p, max(p.population_weight, 1)) for p in self.provinces]
        )
        self.counties: dict[int, list[County]] = {p.pk: [] for p in self.provinces}
        for county in County.objects.order_by("code"):
            self.counties[county.province_id].append(county)
        self.limits = {key: tuple(value) for key, value in rules.get("members.limits_by_type").items()}
        self.general_minimum = rules.get("members.minimum")
        self.board_min = rules.get("board.size_min")
        self.board_max = rules.get("board.size_max")
        self.alternates_min = rules.get("board.alternates_min")
        self.alternates_max = rules.get("board.alternates_max")
        self.board_term = rules.get("board.term_years")
        self.inspector_term = rules.get("inspectors.term_years")
        self.paid_in_minimum = float(rules.get("capital.paid_in_minimum_at_registration"))

        existing = Cooperative.objects.filter(national_id__in=[c.national_id for c in NEWS_COOPERATIVES])
        if existing.exists():
            raise DemoError("The demo data is already loaded in this database (use --if-empty to skip, or a fresh database).")

        self.coop_base = Cooperative.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.person_base = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.membership_base = Membership.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.position_base = Position.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.status_base = StatusChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.person_seq = 0
        self.code_seq = 0
        self.checked_head = -1
        self.membership_seq = 0
        self.position_seq = 0
        self.status_seq = 0
        self.registration_numbers: dict[int, int] = {}
        self.name_keys: set[str] = set()
        self.person_name_keys: dict[tuple[str, str], str] = {}
        self.special_people: dict[str, int] = {}
        self.person_rows: list[tuple] = []
        self.verified_cache: dict[int, datetime.datetime] = {}
        self.birth_start = datetime.date(1950, 3, 21).toordinal()
        self.birth_span = datetime.date(2004, 3, 20).toordinal() - self.birth_start
        self.employment_activities = _weighted(EMPLOYMENT_ACTIVITIES)

    # ------------------------------------------------------------------ identifiers

    def _next_national_code(self) -> str:
        """The next person's national code: nine digits from the counter plus the check digit.

        The check digit is the one :func:`taavon.core.identifiers.make_national_code` appends,
        computed from cached partial sums (at millions of people the general function would be
        a large share of the run); the reference function checks the first code of every block.
        """
        while True:
            base = _CODE_OFFSET + self.code_seq * _CODE_STEP
            self.code_seq += 1
            if base >= 1_000_000_000:
                raise DemoError("Too many people for the demo's national-code range (about 27 million).")
            if base in _CODE_SKIP:
                self.code_seq = -(-(_CODE_SKIP.stop - _CODE_OFFSET) // _CODE_STEP)
                continue
            digits = f"{base:09d}"
            if digits in _RESERVED_BASES or len(set(digits)) == 1:
                continue
            code = digits + _check_digit(base)
            if base // 1000 != self.checked_head:  # once per block of cached sums: the reference agrees
                self.checked_head = base // 1000
                if make_national_code(digits) != code:
                    raise RuntimeError(f"check digit of {digits} disagrees with core.identifiers")
            return code

    @staticmethod
    def _mobile(n: int) -> str:
        prefix = names.MOBILE_PREFIXES[n % len(names.MOBILE_PREFIXES)]
        return f"{prefix}{(n * 4_194_301 + 1_234_567) % 10_000_000:07d}"

    def _legal_id(self, index: int) -> str:
        return make_legal_national_id(f"{_LEGAL_ID_BASE + index:010d}")

    # ------------------------------------------------------------------ plan

    def _plan(self) -> None:
        """Choose every cooperative's legal type and membership count (exactly ``self.members`` in all)."""
        rng = random.Random(f"{self.seed}:plan")
        n, target = self.n, self.members
        small = [(t, w, s) for t, w, s in TYPE_WEIGHTS if self.limits[t][0] <= self.general_minimum]
        large = [(t, w, s) for t, w, s in TYPE_WEIGHTS if self.limits[t][0] > self.general_minimum]
        total_weight = sum(w for _, w, _ in TYPE_WEIGHTS)
        small_weight = sum(w for _, w, _ in small)
        small_min = sum(w * self.limits[t][0] for t, w, _ in small) / small_weight
        # Scale the large-minimum types so that the expected minimums use MINIMUM_BUDGET of the target.
        excess = sum(w / total_weight * (self.limits[t][0] - small_min) for t, w, _ in large)
        average = target / n
        scale = max(0.0, min(1.0, (MINIMUM_BUDGET * average - small_min) / excess)) if excess else 1.0
        large_weights = [(t, w / total_weight * scale) for t, w, _ in large]
        large_total = sum(w for _, w in large_weights)
        small_weights = [(t, w / small_weight * (1 - large_total)) for t, w, _ in small]
        type_items, type_cumulative = _weighted(small_weights + large_weights)
        spread = {t: s for t, _, s in TYPE_WEIGHTS}

        self.types: list[str] = []
        sizes = array("q", [0]) * n
        weights = array("d", [0.0]) * n
        compliant = bytearray(n)
        fixed = len(NEWS_COOPERATIVES)
        for i in range(n):
            if i < fixed:
                self.types.append(LegalType.EMPLOYMENT)
                sizes[i] = NEWS_COOPERATIVES[i].members
                continue
            kind = _pick(rng, type_items, type_cumulative)
            self.types.append(kind)
            low, high = self.limits[kind]
            if rng.random() < NON_COMPLIANT_SHARE:
                if high is not None and rng.random() < 0.5:
                    sizes[i] = high + 1 + int(rng.random() * max(high // 4, 5))
                else:
                    floor = max(3, low // 4)
                    sizes[i] = floor + int(rng.random() * max(low - floor, 1)) if low > floor else 3
            else:
                compliant[i] = 1
                sizes[i] = low
                weights[i] = rng.lognormvariate(0.0, 1.1) * spread[kind]

        remaining = target - sum(sizes)
        if remaining < 0 and n > fixed:
            remaining = self._retype_to_fit(sizes, compliant, weights, remaining)
        if remaining > 0:
            weight_total = sum(weights)
            for i in range(fixed, n):
                if compliant[i] and weight_total:
                    extra = int(remaining * weights[i] / weight_total)
                    high = self.limits[self.types[i]][1]
                    sizes[i] = min(sizes[i] + extra, high) if high is not None else sizes[i] + extra
            remaining = target - sum(sizes)
        if remaining > 0 and n > fixed:
            open_ended = [i for i in range(fixed, n) if compliant[i] and self.limits[self.types[i]][1] is None]
            receivers = open_ended or list(range(fixed, n))
            per, extra = divmod(remaining, len(receivers))
            start = int(rng.random() * len(receivers))
            for k, i in enumerate(receivers):
                sizes[i] += per + (1 if (k - start) % len(receivers) < extra else 0)
        if n > fixed and sum(sizes) != target:
            self.warnings.append(f"Generated {sum(sizes):,} memberships instead of {target:,}.")
        self.sizes = sizes

    def _retype_to_fit(self, sizes, compliant, weights, remaining: int) -> int:
        """The target is too small for the legal minimums: turn large-minimum cooperatives into
        employment cooperatives (from the last one back) and, if still short, shrink them."""
        fixed = len(NEWS_COOPERATIVES)
        for i in range(self.n - 1, fixed - 1, -1):
            if remaining >= 0:
                return remaining
            if self.limits[self.types[i]][0] > self.general_minimum:
                remaining += sizes[i] - self.general_minimum
                self.types[i] = LegalType.EMPLOYMENT
                sizes[i] = self.general_minimum
                compliant[i] = 1
                weights[i] = 1.0
        if remaining < 0:
            self.warnings.append(
                "The members target is below the legal minimums: many cooperatives will be short of members."
            )
            while remaining < 0:
                changed = False
                for i in range(self.n - 1, fixed - 1, -1):
                    if remaining >= 0:
                        break
                    if sizes[i] > 1:
                        sizes[i] -= 1
                        compliant[i] = 0
                        remaining += 1
                        changed = True
                if not changed:
                    break
        return remaining

    # ------------------------------------------------------------------ run

    def run(self) -> Summary:
        started = time.monotonic()
        self._load_context()
        self._plan()
        postgres = connection.vendor == "postgresql"
        use_copy = self.writer_kind == "copy" or (self.writer_kind == "auto" and postgres)
        single = self.members <= SINGLE_TRANSACTION_LIMIT
        skip_triggers = use_copy and self._may_skip_row_triggers()
        self.rng_coop = random.Random(f"{self.seed}:cooperatives")
        self.rng_people = random.Random(f"{self.seed}:people")
        if single:
            with transaction.atomic():
                self.writer = RowWriter(use_copy=use_copy, commit_each_batch=False, skip_triggers=skip_triggers)
                self._generate_all(check_references=skip_triggers)
        else:
            self.writer = RowWriter(
                use_copy=use_copy, commit_each_batch=True, background=postgres, skip_triggers=skip_triggers
            )
            self._generate_all(check_references=skip_triggers)
        if postgres:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(_ORDER)):
                    cursor.execute(sql)
                # Fresh statistics for the planner and, outside a transaction, the visibility map
                # that index-only scans need (a bulk load leaves it unset until autovacuum comes).
                tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in _ORDER)
                if connection.in_atomic_block:
                    cursor.execute(f"ANALYZE {tables}")
                else:
                    cursor.execute(f"VACUUM (ANALYZE) {tables}")
        written = self.writer.written
        return Summary(
            cooperatives=written[Cooperative],
            people=written[Person],
            memberships=written[Membership],
            positions=written[Position],
            status_changes=written[StatusChange],
            seconds=time.monotonic() - started,
            writer="COPY" if use_copy else "bulk_create",
            warnings=tuple(self.warnings),
        )

    @staticmethod
    def _may_skip_row_triggers() -> bool:
        """Whether COPY may skip the row-by-row foreign-key triggers (PostgreSQL superusers only).

        Every foreign key would otherwise be checked, and its parent row locked, once per row at
        commit: a third of a large load. :meth:`_check_references` checks them all afterwards
        in a few set-based queries instead.
        """
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            return bool(cursor.fetchone()[0])

    def _check_references(self) -> None:
        """Every loaded foreign key points at an existing row (one anti-join per key)."""
        checks = [
            (CooperativeWord, "cooperative_id", Cooperative),
            (Membership, "cooperative_id", Cooperative),
            (Membership, "person_id", Person),
            (Position, "cooperative_id", Cooperative),
            (Position, "person_id", Person),
            (StatusChange, "cooperative_id", Cooperative),
            (Cooperative, "province_id", Province),
            (Cooperative, "county_id", County),
        ]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for child, column, parent in checks:
                cursor.execute(
                    f"SELECT count(*) FROM {quote(child._meta.db_table)} c LEFT JOIN {quote(parent._meta.db_table)} p "
                    f"ON p.id = c.{quote(column)} WHERE p.id IS NULL"
                )
                dangling = cursor.fetchone()[0]
                if dangling:
                    raise RuntimeError(f"{dangling} rows of {child._meta.db_table}.{column} point nowhere")

    def _generate_all(self, *, check_references: bool) -> None:
        memberships = 0
        try:
            for i in range(self.n):
                memberships += self._cooperative(i)
                self.writer.maybe_flush()
                if self.progress is not None:
                    self.progress(i + 1, memberships)
        except BaseException:
            self.writer.close(flush=False)
            raise
        self.writer.close()
        if check_references:
            self._check_references()
        with transaction.atomic():
            bearing = Cooperative.objects.get(national_id=BEARING.national_id)
            member = Person.objects.get(pk=self.special_people["member"])
            officer = Person.objects.get(pk=self.special_people["officer"])
            create_demo_logins(officer_cooperative=bearing, member_person=member, officer_person=officer)

    # ------------------------------------------------------------------ one cooperative

    def _cooperative(self, i: int) -> int:
        rc = self.rng_coop
        kind = self.types[i]
        size = self.sizes[i]
        news = NEWS_COOPERATIVES[i] if i < len(NEWS_COOPERATIVES) else None
        coop_id = self.coop_base + i + 1

        # Where and what.
        if news:
            province = next(p for p in self.provinces if p.code == news.province_code)
            county = next(c for c in self.counties[province.pk] if c.name_fa == news.county_name)
            activity, isic = news.activity, news.isic_code
            name = news.name
            membership_type, group = MembershipType.OPEN, ""
            description, brands = news.description, list(news.brands)
            national_id = news.national_id
            registration_date = news.registration_date
            share_low = share_high = news.share_rials // 1_000_000
        else:
            province = _pick(rc, self.province_items, self.province_cumulative)
            county = _one(rc, self.counties[province.pk])
            activity, name, isic, membership_type, group, description = self._identity(rc, kind, province, county)
            brands = [_one(rc, names.BRANDS)] if activity == Activity.INDUSTRY and rc.random() < 0.12 else []
            national_id = self._legal_id(i)
            registration_date = self._registration_date(rc)
            share_low, share_high = SHARE_MILLIONS[activity]
        name = self._unique_name(rc, name)
        share_unit = int(share_low + rc.random() * (share_high - share_low)) * 1_000_000
        paid_regime = rc.random()
        if news or paid_regime < 0.6:
            paid_ratio = (1.0, 1.0)
        elif paid_regime < 1 - UNDERPAID_SHARE:
            paid_ratio = (self.paid_in_minimum + 0.03, 1.0)
        else:
            paid_ratio = (0.1, self.paid_in_minimum - 0.05)
        verify_regime = rc.random()
        verified_share = 0.97 if (news or verify_regime < 0.8) else (0.6 if verify_regime < 0.95 else 0.1)

        # Status history.
        history = [(CooperativeStatus.ACTIVE, registration_date, names.STATUS_REASONS["registered"])]
        roll = rc.random()
        if not news and roll < 0.14:
            first = self._date_between(rc, _add_years(registration_date, 1), self.today - datetime.timedelta(days=30))
            if roll < 0.07:
                history.append((CooperativeStatus.INACTIVE, first, names.STATUS_REASONS["inactive"]))
            elif roll < 0.08:
                history.append((CooperativeStatus.INACTIVE, first, names.STATUS_REASONS["inactive"]))
                later = self._date_between(rc, first + datetime.timedelta(days=60), self.today)
                history.append((CooperativeStatus.ACTIVE, later, names.STATUS_REASONS["reactivated"]))
            else:
                history.append((CooperativeStatus.LIQUIDATION, first, names.STATUS_REASONS["liquidation"]))
                if roll < 0.11:
                    later = self._date_between(rc, first + datetime.timedelta(days=90), self.today)
                    history.append((CooperativeStatus.DISSOLVED, later, names.STATUS_REASONS["dissolved"]))
        status = history[-1][0]
        dissolved_on = history[-1][1] if status == CooperativeStatus.DISSOLVED else None

        # Governing bodies: sizes and terms.
        board_size = rc.choice((3, 3, 5, 5, 5, 7, 7, 4, 6)) if not news else 5
        board_size = max(self.board_min, min(self.board_max, board_size))
        alternates = self.alternates_min + int(rc.random() * (self.alternates_max - self.alternates_min + 1))
        inspectors = 1 if rc.random() < 0.7 else 2
        board_start = self._term_start(rc, registration_date, self.board_term, expired_share=0.08 if not news else 0)
        inspector_start = self._term_start(rc, registration_date, self.inspector_term, expired_share=0.12 if not news else 0)
        if dissolved_on is not None:  # the last bodies served until the dissolution
            board_start = self._date_between(rc, max(registration_date, _add_years(dissolved_on, -self.board_term)), dissolved_on)
            inspector_start = self._date_between(rc, max(registration_date, _add_years(dissolved_on, -1)), dissolved_on)
        md_external = rc.random() < 0.35

        # Knowledge-based certificate.
        kb_number, kb_expires = "", None
        if not news and (
            (activity == Activity.INDUSTRY and rc.random() < 0.06)
            or (isic in ("7110", "6201") and rc.random() < 0.15)
        ):
            issued = self._date_between(rc, self.today - datetime.timedelta(days=5 * 365), self.today)
            kb_number = f"{issued.year - 621}-{int(rc.random() * 90_000) + 10_000}"
            kb_expires = _add_years(issued, 3)

        # People and memberships.
        membership_rows, active_people = self._members(
            coop_id, size, registration_date, paid_ratio, share_unit, verified_share, news
        )
        held = sum(row[6] for row in membership_rows)
        paid = sum(row[7] for row in membership_rows)
        if not membership_rows:
            held = share_unit * self.general_minimum
            paid = int(held * paid_ratio[0])
        member_count = sum(row[8] == MembershipStatus.ACTIVE for row in membership_rows)

        employees = news.employees if news else self._employees(rc, activity, kind, member_count)
        if status == CooperativeStatus.DISSOLVED:
            employees = 0
        area = names.AREA_CODES.get(province.code, "021")
        phone = f"{area}{int(rc.random() * 90_000_000) + 10_000_000}"
        postal = "".join(str(_one(rc, (1, 3, 4, 5, 6, 7, 8, 9))) for _ in range(5)) + f"{int(rc.random() * 100_000):05d}"
        address = f"{county.name_fa}، خیابان {_one(rc, names.STREETS)}، پلاک {to_persian_digits(int(rc.random() * 300) + 1)}"
        number = self.registration_numbers.get(province.pk, 100) + 1 + int(rc.random() * 40)
        self.registration_numbers[province.pk] = number
        fiscal_month = 12 if rc.random() < 0.9 else _one(rc, (3, 6, 9))

        key = normalize(name)
        self.writer.add(
            Cooperative,
            (
                coop_id, name, key, national_id, str(number), registration_date,
                f"اداره ثبت شرکت‌ها و مؤسسات غیرتجاری {county.name_fa}", province.pk, county.pk, activity,
                SECTOR_OF_ACTIVITY[activity], membership_type, group, kind, isic, status, fiscal_month,
                held, paid, employees, kb_number, kb_expires, brands, description, phone, "", "", address,
                postal, member_count, self.now, self.now,
                search_key_of(name=name, brands=brands, activity=activity, description=description),
            ),
        )
        self.writer.extend(CooperativeWord, word_rows(coop_id, key))  # the public register's word index
        for status_value, day, reason in history:
            self.status_seq += 1
            self.writer.add(StatusChange, (self.status_base + self.status_seq, coop_id, status_value, day, reason, None, self.now))
        self._positions(
            coop_id, active_people, board_size, alternates, inspectors, board_start, inspector_start, md_external,
            dissolved_on, news,
        )
        self.writer.extend(Person, self.person_rows)
        self.person_rows = []
        self.writer.extend(Membership, membership_rows)
        return len(membership_rows)

    def _identity(self, rc, kind, province, county):
        """(activity, name, ISIC, membership type, membership group, description) for a legal type."""
        place = county.name_fa
        word = _one(rc, names.NAME_WORDS)
        mtype, group, description = MembershipType.OPEN, "", ""
        if kind == LegalType.EMPLOYMENT:
            activity = _pick(rc, *self.employment_activities)
            name, isic, description = self._employment_name(rc, activity, word, place, province.code)
        elif kind == LegalType.HOUSING:
            activity, isic = Activity.HOUSING, ISIC_OF_ACTIVITY[Activity.HOUSING]
            roll = rc.random()
            if roll < 0.55:
                group = f"کارکنان {_one(rc, names.ORGANISATIONS)}"
                name, mtype = f"تعاونی مسکن {group} {place}", MembershipType.RESTRICTED
            elif roll < 0.85:
                group = _one(rc, names.MEMBER_GROUPS)
                name, mtype = f"تعاونی مسکن {group} {place}", MembershipType.RESTRICTED
            else:
                name = f"تعاونی مسکن {word} {place}"
        elif kind in (LegalType.CONSUMER, LegalType.STUDENT):
            activity, isic = Activity.CONSUMER, ISIC_OF_ACTIVITY[Activity.CONSUMER]
            roll = rc.random()
            if kind == LegalType.STUDENT:
                group = "دانش‌آموزان"
                name, mtype = f"تعاونی آموزشگاهی دانش‌آموزی دبیرستان {word} {place}", MembershipType.RESTRICTED
            elif roll < 0.45:
                group = f"کارکنان {_one(rc, names.ORGANISATIONS)}"
                name, mtype = f"تعاونی مصرف {group} {place}", MembershipType.RESTRICTED
            elif roll < 0.8:
                group = _one(rc, names.MEMBER_GROUPS)
                name, mtype = f"تعاونی مصرف {group} {place}", MembershipType.RESTRICTED
            else:
                name = f"تعاونی مصرف محلی {word} {place}"
        elif kind == LegalType.CREDIT:
            activity, isic = Activity.CREDIT, ISIC_OF_ACTIVITY[Activity.CREDIT]
            if rc.random() < 0.6:
                group = f"کارکنان {_one(rc, names.ORGANISATIONS)}"
            else:
                group = _one(rc, names.MEMBER_GROUPS)
            name, mtype = f"تعاونی اعتبار {group} {place}", MembershipType.RESTRICTED
        elif kind == LegalType.TRADE:
            activity, isic = Activity.SUPPLY, ISIC_OF_ACTIVITY[Activity.SUPPLY]
            group = _one(rc, names.TRADES)
            lead = "تعاونی تأمین نیاز" if rc.random() < 0.6 else "تعاونی صنفی"
            name, mtype = f"{lead} {group} {place}", MembershipType.RESTRICTED
        elif kind == LegalType.RURAL:
            activity, isic = Activity.MULTIPURPOSE, ISIC_OF_ACTIVITY[Activity.MULTIPURPOSE]
            name = f"تعاونی روستایی {_one(rc, names.VILLAGES)} {place}"
            description = f"تأمین نهاده‌های کشاورزی و خرید محصولات روستاییان شهرستان {place}."
        elif kind == LegalType.BORDER:
            activity, isic = Activity.SUPPLY, ISIC_OF_ACTIVITY[Activity.SUPPLY]
            group = "مرزنشینان"
            name, mtype = f"تعاونی مرزنشینان {word} {place}", MembershipType.RESTRICTED
        else:  # union
            activity, label = _one(rc, UNION_ACTIVITIES)
            isic = ISIC_OF_ACTIVITY.get(activity, "9411")
            spelling = rc.random()
            coops = "تعاونی‌های" if spelling < 0.5 else ("تعاونیهای" if spelling < 0.8 else "تعاونی های")
            name = f"اتحادیه {coops} {label} استان {province.name_fa}"
            if rc.random() < 0.5:
                name = f"اتحادیه {coops} {label} شهرستان {place}"
        if kind != LegalType.UNION and rc.random() < 0.25:
            name = f"شرکت {name}"
        if rc.random() < 0.01:  # legacy records typed with the Arabic letters
            name = name.replace("ی", "ي").replace("ک", "ك")
        return activity, name, isic, mtype, group, description

    def _employment_name(self, rc, activity, word, place, province_code):
        if activity == Activity.INDUSTRY:
            product, isic, line = _one(rc, names.INDUSTRY_PRODUCTS)
            roll = rc.random()
            tail = place if roll < 0.4 else (word if roll < 0.7 else f"{word} {place}")
            return f"تعاونی تولیدی {product} {tail}", isic, f"{line} در شهرستان {place}."
        kinds = {
            Activity.AGRICULTURE: names.AGRICULTURE_KINDS,
            Activity.LIVESTOCK: names.LIVESTOCK_KINDS,
            Activity.FISHING: names.FISHING_KINDS,
            Activity.MINING: names.MINING_KINDS,
            Activity.CONSTRUCTION: names.CONSTRUCTION_KINDS,
            Activity.SERVICES: names.SERVICE_KINDS,
        }.get(activity)
        if kinds is None:  # multipurpose
            return f"تعاونی چندمنظوره {word} {place}", ISIC_OF_ACTIVITY[Activity.MULTIPURPOSE], ""
        kinds = tuple(k for k in kinds if province_code in names.REGIONAL_KINDS.get(k[0], (province_code,)))
        label, isic = _one(rc, kinds)
        if activity in (Activity.AGRICULTURE, Activity.LIVESTOCK, Activity.FISHING) and rc.random() < 0.6:
            return f"تعاونی {label} {place}", isic, ""
        return f"تعاونی {label} {word} {place}", isic, ""

    def _unique_name(self, rc, name: str) -> str:
        key = normalize(name)
        if key in self.name_keys:
            for _ in range(3):
                candidate = f"{name} {_one(rc, names.NAME_WORDS)}"
                if normalize(candidate) not in self.name_keys:
                    name = candidate
                    break
            else:
                number = 2
                while normalize(f"{name} شماره {number}") in self.name_keys:
                    number += 1
                name = f"{name} شماره {to_persian_digits(number)}"
            key = normalize(name)
        self.name_keys.add(key)
        return name

    def _registration_date(self, rc) -> datetime.date:
        # Registrations since 1364 (1985), more of them in recent years.
        start = datetime.date(1985, 3, 21).toordinal()
        end = (self.today - datetime.timedelta(days=60)).toordinal()
        return datetime.date.fromordinal(start + int((end - start) * rc.random() ** 0.7))

    def _date_between(self, rng, low: datetime.date, high: datetime.date) -> datetime.date:
        if high <= low:
            return min(low, self.today)
        return datetime.date.fromordinal(low.toordinal() + int(rng.random() * (high.toordinal() - low.toordinal())))

    def _term_start(self, rc, registration_date, years: int, *, expired_share: float) -> datetime.date:
        span = 365 * years
        if rc.random() < expired_share:
            start = self.today - datetime.timedelta(days=span + 1 + int(rc.random() * 500))
        else:
            start = self.today - datetime.timedelta(days=int(rc.random() * (span - 1)))
        return max(start, registration_date)

    def _employees(self, rc, activity, kind, members: int) -> int:
        if activity in (Activity.INDUSTRY, Activity.MINING, Activity.CONSTRUCTION):
            return int(members * (1 + rc.random() * 2))
        if activity in (Activity.AGRICULTURE, Activity.LIVESTOCK, Activity.FISHING, Activity.SERVICES):
            return int(members * (0.5 + rc.random()))
        if kind == LegalType.STUDENT:
            return 0
        return int(rc.random() * 6) + members // 200

    # ------------------------------------------------------------------ people

    def _person(self, *, login=None) -> int:
        """Add a new person and return its id (a demo login's person when ``login`` is given)."""
        random = self.rng_people.random
        self.person_seq += 1
        person_id = self.person_base + self.person_seq
        if login is not None:
            code, first, last, mobile = login.national_code, login.first_name, login.last_name, login.mobile
            gender = "f" if first in names.FEMALE_FIRST_NAMES else "m"
        else:
            code = self._next_national_code()
            if random() < 0.64:
                gender, first = "m", _MALE[int(random() * len(_MALE))]
            else:
                gender, first = "f", _FEMALE[int(random() * len(_FEMALE))]
            last = _LAST[int(random() * len(_LAST))]
            mobile = self._mobile(self.person_seq) if random() < 0.93 else ""
        key = self.person_name_keys.get((first, last))
        if key is None:
            key = self.person_name_keys[(first, last)] = normalize(f"{first} {last}")
        birth = _fromordinal(self.birth_start + int(random() * self.birth_span))
        self.person_rows.append((person_id, code, first, last, key, mobile, "", gender, birth))
        return person_id

    def _verified_at(self, ordinal: int) -> datetime.datetime:
        """10:00 Tehran time (06:30 UTC) on the given day; one object per day."""
        found = self.verified_cache.get(ordinal)
        if found is None:
            found = self.verified_cache[ordinal] = datetime.datetime.combine(
                _fromordinal(ordinal), datetime.time(6, 30), tzinfo=datetime.UTC
            )
        return found

    def _members(self, coop_id, size, registration_date, paid_ratio, share_unit, verified_share, news):
        """Memberships of one cooperative: (rows, [person ids of active members not reserved for logins])."""
        random = self.rng_people.random
        new_person = self._person
        rows = []
        active = []
        person_base = self.person_base
        first_new = person_base + self.person_seq + 1
        earlier = first_new - person_base - 1  # people made for earlier cooperatives
        reserved_ids = set(self.special_people.values())
        reused: set[int] = set()
        founders = min(size, 7)
        reg = registration_date.toordinal()
        today = self.today.toordinal()
        join_span = max(today - 1 - reg - 1, 1)
        big = size >= 15
        low_paid, high_paid = paid_ratio
        fully_paid = low_paid >= 1.0
        membership_id = self.membership_base + self.membership_seq
        active_status, left_status, suspended_status = (
            MembershipStatus.ACTIVE, MembershipStatus.LEFT, MembershipStatus.SUSPENDED
        )
        for k in range(size):
            reserved = False
            if news is BEARING and k < 2:
                login = "officer" if k == 0 else "member"
                person_id = new_person(login=LOGIN_BY_KEY[login])
                self.special_people[login] = person_id
                reserved = True
            elif earlier and random() < PERSON_REUSE:
                person_id = person_base + 1 + int(random() * earlier)
                if person_id in reused or person_id in reserved_ids:
                    person_id = new_person()
                else:
                    reused.add(person_id)
            else:
                person_id = new_person()
            joined_ordinal = reg if k < founders else reg + 1 + int(random() * join_span)
            held = share_unit * 2 if big and random() < 0.1 else share_unit
            if fully_paid:
                paid = held
            else:
                paid = int(held * (low_paid + random() * (high_paid - low_paid))) // 10_000 * 10_000
            roll = 1.0 if reserved else random()
            left_on = None
            if roll < 0.03:
                status = left_status
                left_on = _fromordinal(joined_ordinal + int(random() * max(today - 1 - joined_ordinal, 1)))
            elif roll < 0.04:
                status = suspended_status
            else:
                status = active_status
                if not reserved:
                    active.append(person_id)
            verified_at = None
            if reserved or random() < verified_share:
                verified_at = self._verified_at(min(joined_ordinal + 1 + int(random() * 30), today))
            membership_id += 1
            rows.append(
                (
                    membership_id, coop_id, person_id, str(k + 1), _fromordinal(joined_ordinal), left_on,
                    held, paid, status, verified_at, None,
                )
            )
        self.membership_seq = membership_id - self.membership_base
        return rows, active

    def _positions(
        self, coop_id, active, board_size, alternates, inspectors, board_start, inspector_start, md_external,
        dissolved_on, news,
    ):
        rp = self.rng_people
        pool = list(active)
        rp.shuffle(pool)
        board_end = _add_years(board_start, self.board_term)
        inspector_end = _add_years(inspector_start, self.inspector_term)
        roles = [PositionRole.CHAIR, PositionRole.VICE_CHAIR, PositionRole.SECRETARY]
        roles += [PositionRole.BOARD_MEMBER] * (board_size - 3)
        roles += [PositionRole.ALTERNATE] * alternates
        seats = [(role, board_start, board_end) for role in roles]
        seats += [(PositionRole.INSPECTOR, inspector_start, inspector_end)] * inspectors
        seats.append((PositionRole.ALTERNATE_INSPECTOR, inspector_start, inspector_end))
        taken = 0
        for role, start, end in seats:
            if taken < len(pool):
                person_id = pool[taken]
                taken += 1
            elif role in (PositionRole.INSPECTOR, PositionRole.ALTERNATE_INSPECTOR):
                person_id = self._person()  # inspectors need not be members
            else:
                continue  # too few members for this seat: left empty, as in the register
            self._add_position(coop_id, person_id, role, start, end, dissolved_on)
        if news is BEARING:
            md = self.special_people["officer"]
        elif md_external or taken >= len(pool):
            md = self._person()
        else:
            md = pool[taken]
        self._add_position(coop_id, md, PositionRole.MANAGING_DIRECTOR, board_start, board_end, dissolved_on)

    def _add_position(self, coop_id, person_id, role, start, end, dissolved_on):
        self.position_seq += 1
        self.writer.add(
            Position,
            (self.position_base + self.position_seq, coop_id, person_id, role, BODY_OF_ROLE[role], start, end, dissolved_on),
        )


def generate(
    *, cooperatives: int, members: int | None = None, seed: int = DEFAULT_SEED, progress=None, writer: str = "auto"
) -> Summary:
    """Generate the demo data set; see :class:`DemoGenerator`.

    ``writer`` is ``"auto"`` (COPY on PostgreSQL, bulk_create elsewhere), ``"copy"`` or ``"bulk_create"``.
    """
    return DemoGenerator(cooperatives=cooperatives, members=members, seed=seed, progress=progress, writer=writer).run()

