"""Reads for the public register: what anyone may know about a cooperative, without logging in.

Only public facts leave this module: the cooperative's registration, place, activity, status
with its dated history, knowledge-based certificate, brands, and the *names and roles* of its
board, managing director and inspectors. People are handed out as plain ``{"name", "role"}``
dictionaries, never as model objects, so no page or API answer built from here can show a
national code, mobile number or any other personal detail.

Search is ranked: the whole normalised query equal to the name key first, then names starting
with it, then names containing every word of it; ties by name. The filters are ``name_key LIKE
'%word%'`` (``__contains`` on the already case-folded key, not ``__icontains``), which PostgreSQL
answers from the ``pg_trgm`` GIN index on ``name_key`` (migration ``0002_trigram_search``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from taavon.core.persian import normalize, search_tokens, to_ascii_digits

from .models import BODY_OF_ROLE, Cooperative, Position, PositionRole, StatusChange

__all__ = [
    "PublicProfile",
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


class RankedResults:
    """Search results as a sequence of ordered query sets read one after the other.

    Exact and prefix matches come first, in name order (an exact name sorts before its
    extensions), then names containing every word, in name order. Each part is its own indexed
    query cut with LIMIT/OFFSET, so a page never sorts every match: at 250,000 cooperatives a
    word found in most names («تعاونی») would otherwise sort them all. Counting stops at
    ``COUNT_CAP`` + 1 for the same reason; ``count_is_capped`` tells the page to say "more than".
    Works with Django's Paginator and ninja's pagination (``count``, ``all``, slicing).
    """

    COUNT_CAP = 1000

    def __init__(self, *parts: QuerySet):
        self.parts = parts
        self._counts: list[int] | None = None

    def _part_counts(self) -> list[int]:
        if self._counts is None:
            counts, left = [], self.COUNT_CAP + 1
            for part in self.parts:
                n = part[:left].count() if left > 0 else 0
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
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        rows: list[Cooperative] = []
        offset = 0
        for part, n in zip(self.parts, self._part_counts(), strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, n)
            if lo < hi:
                rows.extend(part[lo:hi])
            offset += n
            if offset >= stop:
                break
        return rows


def search_cooperatives(q: str = "", province=None, activity=None, status=None) -> RankedResults:
    """Cooperatives matching ``q`` (a name, or a national ID in any digits), ranked, with filters.

    ``province`` is a Province, its id (int) or its code (text); ``activity`` and ``status`` are
    choice values. An empty ``q`` lists everything in name order. See :class:`RankedResults`.
    """
    qs = Cooperative.objects.select_related("province", "county").defer("description", "address", "brands")
    if province:
        if hasattr(province, "pk"):
            qs = qs.filter(province=province)
        elif isinstance(province, int):
            qs = qs.filter(province_id=province)
        else:
            qs = qs.filter(province__code=to_ascii_digits(province).strip())
    if activity:
        qs = qs.filter(activity=activity)
    if status:
        qs = qs.filter(status=status)

    national_id = normalize_national_id(q)
    if national_id:
        return RankedResults(qs.filter(national_id=national_id))
    key = normalize(q)
    if not key:
        return RankedResults(qs.order_by("name_key", "pk"))
    # A name starting with the whole key contains every word of it: the first part needs only the
    # prefix, which the name_key index answers as a range, in order.
    head = qs.filter(name_key__startswith=key).order_by("name_key", "pk")
    for token in search_tokens(q):
        qs = qs.filter(name_key__contains=token)
    return RankedResults(head, qs.exclude(name_key__startswith=key).order_by("name_key", "pk"))


# --------------------------------------------------------------------------- profile


def last_assembly_date(cooperative: Cooperative) -> datetime.date | None:
    """The date of the cooperative's last general assembly held (session closed), or None."""
    from taavon.assemblies.models import Assembly, AssemblyState

    held = (
        Assembly.objects.filter(cooperative=cooperative, state=AssemblyState.CLOSED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localtime(held).date() if held else None


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
    order = {role: i for i, role in enumerate(_ROLE_ORDER)}
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
    knowledge_based: bool
    knowledge_based_certificate: str
    knowledge_based_expires_on: datetime.date | None
    brands: list[str] = field(default_factory=list)
    status_history: list[dict] = field(default_factory=list)
    board: list[dict] = field(default_factory=list)
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
    brands = []
    for brand in coop.brands if isinstance(coop.brands, list) else []:
        name = brand.get("name", "") if isinstance(brand, dict) else brand
        if name:
            brands.append(str(name))
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
        knowledge_based=coop.is_knowledge_based,
        knowledge_based_certificate=coop.knowledge_based_certificate,
        knowledge_based_expires_on=coop.knowledge_based_expires_on,
        brands=brands,
        status_history=status_history_of(coop),
        board=board_of(coop),
        last_assembly_date=last_assembly_date(coop),
        filings_on_time=filings_on_time(coop),
    )
