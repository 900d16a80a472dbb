"""Reads for the public register: what anyone may know about a cooperative, without logging in.

Only public facts leave this module: the cooperative's registration, place, activity, its own
description and number of employees, status with its dated history, knowledge-based
certificate, brands, and the *names and roles* of its
board, managing director and inspectors. People are handed out as plain ``{"name", "role"}``
dictionaries, never as model objects, so no page or API answer built from here can show a
national code, mobile number or any other personal detail.

Search is ranked: the whole normalised query equal to the name key first, then names starting
with it, then the other names having, for every word of the query, a word that starts with it;
ties by name (code-point order) then id. The first two are one range of the ``name_key`` b-tree;
the rest is read from the word index (``CooperativeWord``, migration ``0003_word_index``). Last
come the cooperatives whose brands, activity or description have the words
(``Cooperative.search_key``, migration ``0005_search_key``). See :func:`search_cooperatives`.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from taavon.core.persian import normalize, search_tokens, to_ascii_digits
from taavon.geo.models import Province

from ..models import (
    BODY_OF_ROLE,
    BoardMeeting,
    Cooperative,
    CooperativeWord,
    Position,
    PositionRole,
    StatusChange,
    brand_names,
)

__all__ = [
    "PublicProfile",
    "QueryPart",
    "RankedResults",
    "WordPart",
    "board_meeting_date",
    "board_of",
    "filings_on_time",
    "last_assembly_date",
    "normalize_national_id",
    "public_profile",
    "search_cooperatives",
    "status_history_of",
]

_NATIONAL_ID = re.compile(r"\d{11}")
_SEPARATORS = re.compile(r"[\s\-\u200c\u200e\u200f]+")
# Board first (chair, vice-chair, secretary, members, alternates), then management, then inspectors.
_ROLE_ORDER = [
    PositionRole.CHAIR,
    PositionRole.VICE_CHAIR,
    PositionRole.SECRETARY,
    PositionRole.BOARD_MEMBER,
    PositionRole.ALTERNATE,
    PositionRole.MANAGING_DIRECTOR,
    PositionRole.INSPECTOR,
    PositionRole.ALTERNATE_INSPECTOR,
]


def normalize_national_id(text: object) -> str | None:
    """The 11 ASCII digits of a legal national ID typed with any digits, spaces or dashes; else None."""
    compact = _SEPARATORS.sub("", to_ascii_digits(text or ""))
    return compact if _NATIONAL_ID.fullmatch(compact) else None


class QueryPart:
    """A part of :class:`RankedResults` that is an ordered query set."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count_upto(self, limit: int) -> int:
        # The order does not change how many rows there are: count without it (no sort).
        return self.queryset.order_by()[:limit].count() if limit > 0 else 0

    def rows(self, lo: int, hi: int) -> list[Cooperative]:
        return list(self.queryset[lo:hi])

    def explain(self, limit: int = 20) -> str:
        return self.queryset[:limit].explain(analyze=True, buffers=True)


class RankedResults:
    """Search results as a sequence of ordered parts read one after the other.

    Exact and prefix matches come first, in name order (an exact name sorts before its
    extensions), then the other names having every word, in name order. Each part is its own
    indexed query cut with LIMIT/OFFSET, so a page never sorts every match: at 250,000
    cooperatives a word found in most names («تعاونی») would otherwise sort them all. A slice
    counts a part only when it starts past it. Counting stops at ``COUNT_CAP`` + 1 for the same
    reason; ``count_is_capped`` tells the page to say "more than". Works with Django's Paginator
    and ninja's pagination (``count``, ``all``, slicing). A part is a :class:`QueryPart` or a
    :class:`WordPart` (``count_upto``, ``rows``, ``explain``).
    """

    COUNT_CAP = 1000

    def __init__(self, *parts):
        self.parts = tuple(p if hasattr(p, "count_upto") else QueryPart(p) for p in parts)
        self._counts: list[int] | None = None

    def _part_counts(self) -> list[int]:
        if self._counts is None:
            counts, left = [], self.COUNT_CAP + 1
            for part in self.parts:
                n = part.count_upto(left)
                counts.append(n)
                left -= n
            self._counts = counts
        return self._counts

    def count(self) -> int:
        return min(sum(self._part_counts()), self.COUNT_CAP)

    @property
    def count_is_capped(self) -> bool:
        return sum(self._part_counts()) > self.COUNT_CAP

    def all(self):
        return self

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[0 : self.count()])

    def __getitem__(self, index):
        if isinstance(index, int):
            one = self[index : index + 1]
            if not one:
                raise IndexError(index)
            return one[0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        rows: list[Cooperative] = []
        offset = 0  # rows in the parts before this one
        for n, part in enumerate(self.parts):
            lo, hi = max(start - offset, 0), stop - offset
            if hi <= 0:
                break
            if lo > 0:  # the slice starts past this part's beginning: is it past its end?
                counted = self._counts is not None and sum(self._counts) <= self.COUNT_CAP  # none cut short
                size = self._counts[n] if counted and self._counts is not None else part.count_upto(lo + 1)
                if size <= lo:  # the part ends before the slice starts: skip it whole
                    offset += size
                    continue
            got = part.rows(lo, hi)
            rows.extend(got)
            if len(got) == hi - lo:
                break
            offset += lo + len(got)  # the part ended before the slice did: now we know its size
        return rows


def _upper_bound(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix`` in code-point order (None if none).

    ``column >= prefix AND column < upper`` is "starts with" as a range, which a b-tree in
    code-point order (collation "C" on PostgreSQL, BINARY on SQLite) reads directly.
    """
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        return None
    code = ord(stem[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters
        code = 0xE000
    return stem[:-1] + chr(code)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts_with(column: str, prefix: str) -> tuple[str, list]:
    upper = _upper_bound(prefix)
    if upper is None:
        return f"{column} >= %s", [prefix]
    return f"({column} >= %s AND {column} < %s)", [prefix, upper]


class WordPart:
    """Names having, for every query word, a word that starts with it, outside the prefix part;
    in name order (``name_key``, then id). Read from the word index (``CooperativeWord``).

    Plan: take the rarest query word (the planner's estimate on PostgreSQL, a capped count on
    SQLite), list the distinct indexed words starting with it (a skip scan of the word index),
    and walk their ranges of ``(word, name_key, cooperative_id)`` — each already in name order —
    keeping the rows whose name key has the other words (see :meth:`_conditions`), is not in the
    prefix part and passes the filters; a page takes the first rows of each range and sorts only
    those. A cooperative with two words starting with the driving query word is kept only in the
    range of the first one. When the driving word starts more than :data:`MAX_WORDS` distinct
    words (one or two letters), the cooperatives are walked in name order instead. The same SQL
    runs on SQLite.
    """

    MAX_WORDS = 64
    #: On SQLite the rarest word is found by counting each word's rows, up to this many.
    COUNT_PROBE = 5_000

    def __init__(self, *, tokens: list[str], key: str, filters: dict):
        self.tokens = tokens
        self.key = key
        self.filters = filters  # column of registry_cooperative -> value
        self._branches: list[tuple[str, list]] | None = None

    # ------------------------------------------------------------------ plan

    def _estimates(self, cursor) -> list[float]:
        """Rows of the word index starting with each token (estimated on PostgreSQL)."""
        table = CooperativeWord._meta.db_table
        if connection.vendor == "postgresql":
            selects, params = [], []
            for token in self.tokens:
                cond, p = _starts_with("word", token)
                selects.append(f"SELECT 1 FROM {table} WHERE {cond}")
                params += p
            cursor.execute("EXPLAIN (FORMAT JSON) " + " UNION ALL ".join(selects), params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            node = plan[0]["Plan"]
            children = node.get("Plans", [node]) if node["Node Type"] == "Append" else [node]
            if len(children) == len(self.tokens):
                return [float(child["Plan Rows"]) for child in children]
            return [0.0] * len(self.tokens)
        counts = []
        for token in self.tokens:
            cond, p = _starts_with("word", token)
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {cond} LIMIT %s)", [*p, self.COUNT_PROBE])
            counts.append(float(cursor.fetchone()[0]))
        return counts

    def _words_starting_with(self, cursor, token: str) -> list[str]:
        """The distinct indexed words starting with ``token``, in order (at most MAX_WORDS + 1)."""
        table = CooperativeWord._meta.db_table
        upper = _upper_bound(token)
        below = " AND v.word < %s" if upper is not None else ""
        tail = [upper] if upper is not None else []
        cursor.execute(
            f"""WITH RECURSIVE found(word, n) AS (
                    SELECT (SELECT v.word FROM {table} v WHERE v.word >= %s{below} ORDER BY v.word LIMIT 1), 1
                    UNION ALL
                    SELECT (SELECT v.word FROM {table} v WHERE v.word > found.word{below} ORDER BY v.word LIMIT 1),
                           found.n + 1
                    FROM found WHERE found.word IS NOT NULL AND found.n <= %s
                )
                SELECT word FROM found WHERE word IS NOT NULL""",
            [token, *tail, *tail, self.MAX_WORDS],
        )
        return [row[0] for row in cursor.fetchall()]

    def _conditions(self, cooperative_id: str, name_key: str, tokens: list[str]) -> tuple[str, list]:
        """SQL conditions on one candidate row: not in the prefix part, a word starting with each
        of ``tokens`` (rarest first), the filters.

        A name key has single spaces between its words, so it has a word starting with ``t``
        exactly when ``' ' || name_key`` contains ``' ' || t``: the other words are checked on
        the key the walked row already carries, without leaving the index. (Probing the primary
        key ``(cooperative_id, word)`` per row instead costs 5–10 µs a probe; as ``EXISTS`` joins
        PostgreSQL plans every order of up to eight of them and, taking the words of a name as
        independent, probes the ones that always come together first: 30–40 ms for a whole name.)
        """
        sql, params = [], []
        head, p = _starts_with(name_key, self.key)
        sql.append(f"NOT {head}")
        params += p
        for token in tokens:
            sql.append(f"(' ' || {name_key}) LIKE %s ESCAPE '\\'")
            params.append("% " + _like_escape(token) + "%")
        if self.filters:
            cooperatives = Cooperative._meta.db_table
            checks = " AND ".join(f"f.{column} = %s" for column in self.filters)
            sql.append(f"EXISTS (SELECT 1 FROM {cooperatives} f WHERE f.id = {cooperative_id} AND {checks})")
            params += list(self.filters.values())
        return " AND ".join(sql), params

    def _plan(self) -> list[tuple[str, list]]:
        """SELECTs of (cooperative_id, name_key), one per range walked, each cooperative in one of
        them only; no order yet. Empty when no indexed word starts with the driving word."""
        if self._branches is not None:
            return self._branches
        words = CooperativeWord._meta.db_table
        with connection.cursor() as cursor:
            tokens = self.tokens
            if len(tokens) > 1:
                estimates = dict(zip(self.tokens, self._estimates(cursor), strict=True))
                tokens = sorted(tokens, key=lambda t: (estimates[t], -len(t), t))
            driver = tokens[0]
            found = self._words_starting_with(cursor, driver)
        if len(found) > self.MAX_WORDS:
            cond, params = self._conditions("c.id", "c.name_key", tokens)
            table = Cooperative._meta.db_table
            self._branches = [(f"SELECT c.id AS cooperative_id, c.name_key FROM {table} c WHERE {cond}", params)]
            return self._branches
        cond, params = self._conditions("b.cooperative_id", "b.name_key", tokens[1:])
        self._branches = []
        for n, word in enumerate(found):
            sql = f"SELECT b.cooperative_id, b.name_key FROM {words} b WHERE b.word = %s AND {cond}"
            branch_params = [word, *params]
            if n:
                # A cooperative with an earlier word starting with the driver is read in that range.
                # A one-row probe of the primary key, made only for rows that passed the rest: as
                # NOT EXISTS, PostgreSQL may hash every row of the earlier words first.
                sql += (
                    f" AND (SELECT 1 FROM {words} x WHERE x.cooperative_id = b.cooperative_id"
                    " AND x.word >= %s AND x.word < b.word LIMIT 1) IS NULL"
                )
                branch_params.append(driver)
            self._branches.append((sql, branch_params))
        return self._branches

    # ------------------------------------------------------------------ reads

    def _ordered(self, upto: int) -> tuple[str, list]:
        """The cooperative ids in name order; the caller adds LIMIT and OFFSET ≤ ``upto`` in all.

        Each range is in name order by itself (index ``(word, name_key, cooperative_id)`` with
        the word fixed), but PostgreSQL does not merge the ranges of a UNION in order: each range
        is cut to its first ``upto`` rows on its own, and only those are sorted.
        """
        branches = self._plan()
        if len(branches) == 1:
            sql, params = branches[0]
        else:
            parts, params = [], []
            for n, (branch, branch_params) in enumerate(branches):
                parts.append(f"SELECT * FROM ({branch} ORDER BY b.name_key, b.cooperative_id LIMIT %s) w{n}")
                params += [*branch_params, upto]
            sql = " UNION ALL ".join(parts)
        return f"SELECT m.cooperative_id FROM ({sql}) m ORDER BY m.name_key, m.cooperative_id", params

    def count_upto(self, limit: int) -> int:
        branches = self._plan() if limit > 0 else []
        if not branches:
            return 0
        sql = " UNION ALL ".join(branch for branch, _ in branches)
        params = [p for _, branch_params in branches for p in branch_params]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM ({sql}) m LIMIT %s) n", [*params, limit])
            return cursor.fetchone()[0]

    def rows(self, lo: int, hi: int) -> list[Cooperative]:
        if hi <= lo or not self._plan():
            return []
        sql, params = self._ordered(hi)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s OFFSET %s", [*params, hi - lo, lo])
            ids = [row[0] for row in cursor.fetchall()]
        found = _public_columns(Cooperative.objects.filter(pk__in=ids)).in_bulk()
        return [found[pk] for pk in ids if pk in found]

    def explain(self, limit: int = 20) -> str:
        if not self._plan():
            return "(no indexed word starts with the driving query word: nothing to read)"
        sql, params = self._ordered(limit)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql} LIMIT %s", [*params, limit])
            return "\n".join(row[0] for row in cursor.fetchall())


def _public_columns(queryset: QuerySet) -> QuerySet:
    """What a result row shows: the cooperative with its province and county, without the long texts."""
    return queryset.select_related("province", "county").defer("description", "address", "brands", "search_key")


def _province_id(province) -> int | None:
    if hasattr(province, "pk"):
        return province.pk
    if isinstance(province, int):
        return province
    return Province.objects.filter(code=to_ascii_digits(province).strip()).values_list("pk", flat=True).first()


def search_cooperatives(q: str = "", province=None, activity=None, status=None) -> RankedResults:
    """Cooperatives matching ``q`` (a name, or a national ID in any digits), ranked, with filters.

    A name matches when each word of ``q`` starts a word of the name («مسک» finds «مسکن»), in any
    order; spellings are compared through :func:`taavon.core.persian.normalize`. Ranked: the whole
    query equal to the name first, then names starting with it, then the rest, then cooperatives
    found by their brands, activity or description; ties by name (code point order) then id. ``province`` is a Province, its id (int) or its code (text);
    ``activity`` and ``status`` are choice values. An empty ``q`` lists everything in name order.
    See :class:`RankedResults` and :class:`WordPart`.
    """
    filters = {}
    if province:
        filters["province_id"] = _province_id(province)
        if filters["province_id"] is None:
            return RankedResults(Cooperative.objects.none())
    if activity:
        filters["activity"] = activity
    if status:
        filters["status"] = status
    qs = _public_columns(Cooperative.objects.filter(**filters))

    national_id = normalize_national_id(q)
    if national_id:
        return RankedResults(qs.filter(national_id=national_id))
    key = normalize(q)
    if not key:
        return RankedResults(qs.order_by("name_key", "pk"))
    # The exact name and the names starting with the whole key (which have every word of it) are
    # one range of the name_key b-tree, read in order.
    upper = _upper_bound(key)
    head = qs.filter(name_key__gte=key, **({"name_key__lt": upper} if upper is not None else {}))
    tokens = search_tokens(q)
    return RankedResults(
        head.order_by("name_key", "pk"),
        WordPart(tokens=tokens, key=key, filters=filters),
        _found_beyond_the_name(qs, tokens),
    )


def _has_words(column: str, tokens: list[str]) -> Q:
    """``column`` (a key with a space before each word) has a word starting with every token."""
    return Q.create([(f"{column}__contains", " " + token) for token in tokens])


def _found_beyond_the_name(qs: QuerySet, tokens: list[str]) -> QuerySet:
    """The last part of a search: cooperatives whose name lacks a query word but whose brands,
    activity or description have it («HBI», «چرم»), in name order.

    ``search_key`` has the name's words too, so a query mixing a name word and a brand finds the
    cooperative here. On PostgreSQL the trigram index of ``search_key`` (migration 0004) answers
    the ``LIKE``s. This part is read only when a page goes past the name matches, which sit
    before it.
    """
    if not tokens:
        return qs.none()
    name_has_all = _has_words("spaced_name", tokens)
    spaced = Concat(Value(" "), "name_key", output_field=CharField())
    return (
        qs.filter(_has_words("search_key", tokens))
        .alias(spaced_name=spaced)
        .exclude(name_has_all)
        .order_by("name_key", "pk")
    )


# --------------------------------------------------------------------------- profile


# Facts about a cooperative that other domains know (the last assembly held, …): each domain
# registers a function of the cooperative when it loads, so the registry imports none of them.
_FACTS: dict[str, Callable[[Cooperative], Any]] = {}


def register_fact(name: str, fact: Callable[[Cooperative], Any]) -> None:
    """Let a domain answer ``name`` on the public profile (e.g. ``last_assembly_date``)."""
    _FACTS[name] = fact


def _fact(name: str, cooperative: Cooperative) -> Any:
    fact = _FACTS.get(name)
    return fact(cooperative) if fact is not None else None


def last_assembly_date(cooperative: Cooperative) -> datetime.date | None:
    """The date of the cooperative's last general assembly held (session closed), or None."""
    return _fact("last_assembly_date", cooperative)


def filings_on_time(cooperative: Cooperative) -> bool | None:
    """Whether the cooperative's statutory filings (financial statements, assembly minutes) were
    made on time: True or False once the filings app records them, None while none are recorded.

    This is the hook the filings app fills; until then the public page says "no filings recorded".
    """
    return None


def board_of(cooperative: Cooperative, on: datetime.date | None = None) -> list[dict]:
    """Current holders of board, management and inspection positions: ``{"name", "role",
    "role_label", "body", "body_label"}`` only.

    A position counts while it has not ended (holders stay in office after their term until they
    are replaced).
    """
    positions = (
        Position.objects.filter(cooperative=cooperative, ended_on__isnull=True, term_start__lte=on or timezone.localdate())
        .values_list("role", "person__first_name", "person__last_name")
    )
    order: dict[str, int] = {role: i for i, role in enumerate(_ROLE_ORDER)}
    rows = sorted(positions, key=lambda r: (order.get(r[0], len(order)), r[2], r[1]))
    out = []
    for role, first, last in rows:
        choice = PositionRole(role)
        body = BODY_OF_ROLE[choice]
        out.append(
            {
                "name": f"{first} {last}".strip(),
                "role": role,
                "role_label": str(choice.label),
                "body": str(body.value),
                "body_label": str(body.label),
            }
        )
    return out


def board_meeting_date(cooperative: Cooperative) -> datetime.date | None:
    """The date of the board meeting that assigned offices still held (chair, managing director…), or None."""
    meeting = (
        BoardMeeting.objects.filter(cooperative=cooperative, assignments__position__ended_on__isnull=True)
        .order_by("-held_on", "-id")
        .values_list("held_on", flat=True)
        .first()
    )
    return meeting


def status_history_of(cooperative: Cooperative) -> list[dict]:
    """Dated status changes, newest first: ``{"status", "status_label", "effective_on"}``.

    The recorded reason and who entered the change stay private.
    """
    rows = StatusChange.objects.filter(cooperative=cooperative).order_by("-effective_on", "-id")
    return [
        {"status": s.status, "status_label": str(s.get_status_display()), "effective_on": s.effective_on}
        for s in rows.only("status", "effective_on")
    ]


@dataclass
class PublicProfile:
    """Everything the public page and the public API show about one cooperative."""

    name: str
    national_id: str
    registration_number: str
    registration_date: datetime.date
    registration_office: str
    province: str
    province_code: str
    county: str
    activity: str
    activity_label: str
    sector_label: str
    membership_type: str
    membership_type_label: str
    status: str
    status_label: str
    member_count: int
    employees: int
    description: str
    isic_code: str
    knowledge_based: bool
    knowledge_based_certificate: str
    knowledge_based_expires_on: datetime.date | None
    brands: list[str] = field(default_factory=list)
    status_history: list[dict] = field(default_factory=list)
    board: list[dict] = field(default_factory=list)
    board_meeting_date: datetime.date | None = None
    last_assembly_date: datetime.date | None = None
    filings_on_time: bool | None = None


def public_profile(national_id: object) -> PublicProfile | None:
    """The public profile of the cooperative with this national ID (any digits), or None."""
    code = normalize_national_id(national_id)
    if code is None:
        return None
    coop = Cooperative.objects.select_related("province", "county").filter(national_id=code).first()
    if coop is None:
        return None
    return PublicProfile(
        name=coop.name,
        national_id=coop.national_id,
        registration_number=coop.registration_number,
        registration_date=coop.registration_date,
        registration_office=coop.registration_office,
        province=coop.province.name,
        province_code=coop.province.code,
        county=coop.county.name,
        activity=coop.activity,
        activity_label=str(coop.get_activity_display()),
        sector_label=str(coop.get_sector_display()),
        membership_type=coop.membership_type,
        membership_type_label=str(coop.get_membership_type_display()),
        status=coop.status,
        status_label=str(coop.get_status_display()),
        member_count=coop.member_count,
        employees=coop.employees,
        description=coop.description,
        isic_code=coop.isic_code,
        knowledge_based=coop.is_knowledge_based,
        knowledge_based_certificate=coop.knowledge_based_certificate,
        knowledge_based_expires_on=coop.knowledge_based_expires_on,
        brands=brand_names(coop.brands),
        status_history=status_history_of(coop),
        board=board_of(coop),
        board_meeting_date=board_meeting_date(coop),
        last_assembly_date=last_assembly_date(coop),
        filings_on_time=filings_on_time(coop),
    )
