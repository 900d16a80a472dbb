"""The public register over HTTP (``/api/v1/public``): no authentication, throttled per address.

Same reads as the public pages (:mod:`taavon.registry.public.selectors`); only public facts are answered.
"""

import datetime

from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.throttling import AnonRateThrottle

from taavon.core.jalali import format_jalali
from taavon.core.pagination import PageNumber

from ..models import Activity, Cooperative, CooperativeStatus
from . import selectors as public


class PublicRegisterThrottle(AnonRateThrottle):
    """Per client address, counted apart from other anonymous limits."""

    scope = "public-register"


#: Requests per address per minute to the public API.
RATE = "60/m"

router = Router(throttle=PublicRegisterThrottle(RATE))


def _jalali(day: datetime.date | None) -> str:
    return format_jalali(day, persian_digits=False) if day else ""


class SearchFilters(Schema):
    q: str = Field("", max_length=100, description="Name (any spelling) or national ID (Persian or ASCII digits).")
    province: str | None = Field(None, max_length=2, description="Province code, e.g. 23 for Tehran.")
    activity: Activity | None = None
    status: CooperativeStatus | None = None


class CooperativeSummary(Schema):
    national_id: str
    name: str
    registration_number: str
    registration_date: datetime.date
    registration_date_jalali: str
    province: str
    county: str
    activity: str
    activity_label: str
    status: str
    status_label: str
    member_count: int
    url: str

    @staticmethod
    def resolve_registration_date_jalali(obj: Cooperative) -> str:
        return _jalali(obj.registration_date)

    @staticmethod
    def resolve_province(obj: Cooperative) -> str:
        return obj.province.name

    @staticmethod
    def resolve_county(obj: Cooperative) -> str:
        return obj.county.name

    @staticmethod
    def resolve_activity_label(obj: Cooperative) -> str:
        return str(obj.get_activity_display())

    @staticmethod
    def resolve_status_label(obj: Cooperative) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_url(obj: Cooperative) -> str:
        return reverse("register:detail", args=[obj.national_id])


class StatusEntry(Schema):
    status: str
    status_label: str
    effective_on: datetime.date
    effective_on_jalali: str


class BoardEntry(Schema):
    name: str
    role: str
    role_label: str
    body: str
    body_label: str


class CooperativeProfile(Schema):
    national_id: str
    name: str
    registration_number: str
    registration_date: datetime.date
    registration_date_jalali: str
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
    status_history: list[StatusEntry]
    member_count: int
    employees: int
    description: str = Field(description="What the cooperative does, in its own words.")
    isic_code: str = Field(description="ISIC rev. 4 class of its activity; empty when not recorded.")
    knowledge_based: bool
    knowledge_based_certificate: str
    knowledge_based_expires_on: datetime.date | None
    brands: list[str]
    board: list[BoardEntry]
    board_meeting_date: datetime.date | None = Field(
        None, description="The board meeting that assigned the offices now held; None until one is recorded."
    )
    last_assembly_date: datetime.date | None = Field(description="None until an assembly is recorded.")
    filings_on_time: bool | None = Field(description="None until filings are recorded.")


@router.get("/search", response=list[CooperativeSummary], summary="Search the public register")
@paginate(PageNumber, page_size=20)
def search(request, filters: Query[SearchFilters]):
    """Ranked: the exact name first, then names starting with the query, then names containing
    every word of it, then those whose brands, activity or description have every word («HBI»,
    «چرم»). Persian spellings (ی/ي, ک/ك, compounds with a space, a half-space or none) are
    equivalent."""
    return public.search_cooperatives(
        q=filters.q,
        province=filters.province,
        activity=filters.activity.value if filters.activity else None,
        status=filters.status.value if filters.status else None,
    )


@router.get("/cooperatives/{national_id}", response=CooperativeProfile, summary="A cooperative's public profile")
def cooperative(request, national_id: str):
    profile = public.public_profile(national_id)
    if profile is None:
        raise Http404
    data = profile.__dict__.copy()
    data["registration_date_jalali"] = _jalali(profile.registration_date)
    data["status_history"] = [{**s, "effective_on_jalali": _jalali(s["effective_on"])} for s in profile.status_history]
    return data
