"""The registry API at ``/api/v1/cooperatives``: the same selectors and services as the pages.

Reach: 404 for a cooperative outside the caller's scope, 403 for a role that may never do the
action (an analyst editing), 422 with messages when a rule refuses the data, 409 when the record's
state refuses (a member who has left, a position already ended). Input tolerates
Persian digits, thousands separators and Jalali dates (``1404/06/14``; ISO dates work too).
"""

import datetime
from enum import Enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from taavon.accounts import auth
from taavon.accounts.scoping import Action, can, scoped_provinces
from taavon.core.api_errors import state_conflicts
from taavon.core.api_inputs import cleaned_by, jalali_date
from taavon.core.identifiers import clean_legal_national_id, clean_mobile, clean_national_code, clean_postal_code
from taavon.core.pagination import LimitOffset
from taavon.core.persian import to_ascii_digits
from taavon.geo.models import County, Province

from . import selectors, services
from .models import (
    Activity,
    Cooperative,
    CooperativeStatus,
    Gender,
    LegalType,
    MembershipStatus,
    MembershipType,
    PositionRole,
)

router = Router()

# Refusals by a membership's or a position's state (409); the others are about what was sent (422).
state_conflicts("already_left", "left", "already_ended")


def reach(action: Action = Action.VIEW) -> list:
    """Both ways in, reaching the cooperative in the path (kept on ``request.cooperative``) for ``action``."""
    return auth.reach(Cooperative, action)


_SEPARATORS = str.maketrans("", "", ",\u066c\u060c _")


# --------------------------------------------------------------------------- input cleaning



def _amount(value):
    if isinstance(value, str):
        return to_ascii_digits(value).translate(_SEPARATORS)
    return value


def _digits(value):
    if isinstance(value, str):
        return to_ascii_digits(value).strip()
    return value


class _Tolerant(Schema):
    """Persian digits, separators and Jalali dates accepted wherever a number or date is expected."""

    @field_validator(
        "registration_date",
        "knowledge_based_expires_on",
        "joined_on",
        "left_on",
        "birth_date",
        "term_start",
        "term_end",
        "effective_on",
        "ended_on",
        mode="before",
        check_fields=False,
    )
    @classmethod
    def _jalali(cls, value):
        return jalali_date(value)

    @field_validator(
        "authorised_capital",
        "paid_in_capital",
        "employees",
        "fiscal_year_end_month",
        "shares_held",
        "shares_paid",
        mode="before",
        check_fields=False,
    )
    @classmethod
    def _amounts(cls, value):
        return _amount(value)

    @field_validator("registration_number", "isic_code", "phone", "membership_number", mode="before", check_fields=False)
    @classmethod
    def _ascii(cls, value):
        return _digits(value)

    @field_validator("national_id", mode="before", check_fields=False)
    @classmethod
    def _national_id(cls, value):
        return cleaned_by(clean_legal_national_id, value) if value is not None else value

    @field_validator("national_code", mode="before", check_fields=False)
    @classmethod
    def _national_code(cls, value):
        return cleaned_by(clean_national_code, value) if value is not None else value

    @field_validator("postal_code", mode="before", check_fields=False)
    @classmethod
    def _postal_code(cls, value):
        return cleaned_by(clean_postal_code, value) if value else value

    @field_validator("mobile", mode="before", check_fields=False)
    @classmethod
    def _mobile(cls, value):
        return cleaned_by(clean_mobile, value) if value else value

    @field_validator("province", "county", mode="before", check_fields=False)
    @classmethod
    def _codes(cls, value):
        return _digits(str(value)) if value is not None else value


# --------------------------------------------------------------------------- schemas


class CheckOut(Schema):
    key: str
    title: str
    citation: str
    passed: bool
    detail: str
    blocking: bool

    @staticmethod
    def resolve_detail(finding) -> str:
        return finding.message

    @staticmethod
    def resolve_blocking(finding) -> bool:
        # The rule's kind, passed or not: entries breaking it are refused (not just flagged).
        return finding.severity == "error"


class CooperativeListOut(Schema):
    id: int
    name: str
    national_id: str
    province: str = Field(..., alias="province.code")
    province_name: str = Field(..., alias="province.name")
    activity: str
    sector: str
    legal_type: str
    status: str
    member_count: int


class CooperativeOut(CooperativeListOut):
    registration_number: str
    registration_date: datetime.date
    registration_office: str
    county: str = Field(..., alias="county.code")
    county_name: str = Field(..., alias="county.name")
    membership_type: str
    membership_group: str
    isic_code: str
    fiscal_year_end_month: int
    authorised_capital: int
    paid_in_capital: int
    employees: int
    knowledge_based_certificate: str
    knowledge_based_expires_on: datetime.date | None
    brands: list
    description: str
    phone: str
    email: str
    website: str
    address: str
    postal_code: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CooperativeDetailOut(CooperativeOut):
    all_members_verified: bool
    unverified_members: int
    checks: list[CheckOut]


class CooperativeFilters(Schema):
    q: str = ""
    province: str = Field("", description="province code")
    activity: str = ""
    legal_type: str = ""
    status: str = ""


class CooperativeIn(_Tolerant):
    name: str = Field(..., min_length=1, max_length=250)
    national_id: str
    registration_number: str = Field(..., min_length=1, max_length=30)
    registration_date: datetime.date
    province: str = Field(..., description="province code")
    county: str = Field(..., description="county code")
    activity: Activity
    membership_type: MembershipType
    legal_type: LegalType
    authorised_capital: int
    paid_in_capital: int
    registration_office: str = ""
    membership_group: str = ""
    isic_code: str = ""
    fiscal_year_end_month: int = 12
    employees: int = 0
    knowledge_based_certificate: str = ""
    knowledge_based_expires_on: datetime.date | None = None
    brands: list[str] = []
    description: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    address: str = ""
    postal_code: str = ""


class CooperativePatch(_Tolerant):
    name: str | None = Field(None, min_length=1, max_length=250)
    national_id: str | None = None
    registration_number: str | None = None
    registration_date: datetime.date | None = None
    province: str | None = None
    county: str | None = None
    activity: Activity | None = None
    membership_type: MembershipType | None = None
    legal_type: LegalType | None = None
    authorised_capital: int | None = None
    paid_in_capital: int | None = None
    registration_office: str | None = None
    membership_group: str | None = None
    isic_code: str | None = None
    fiscal_year_end_month: int | None = None
    employees: int | None = None
    knowledge_based_certificate: str | None = None
    knowledge_based_expires_on: datetime.date | None = None
    brands: list[str] | None = None
    description: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    address: str | None = None
    postal_code: str | None = None


class StatusChangeIn(_Tolerant):
    status: CooperativeStatus
    effective_on: datetime.date
    reason: str = Field(..., min_length=1)


class StatusChangeOut(Schema):
    id: int
    status: str
    effective_on: datetime.date
    reason: str
    changed_by: str | None
    recorded_at: datetime.datetime

    @staticmethod
    def resolve_changed_by(obj):
        return str(obj.changed_by) if obj.changed_by_id else None


class MemberFilters(Schema):
    q: str = Field("", description="national code (prefix), membership number or name")
    status: str = ""


class MemberOut(Schema):
    id: int
    person_id: int
    national_code: str = Field(..., alias="person.national_code")
    first_name: str = Field(..., alias="person.first_name")
    last_name: str = Field(..., alias="person.last_name")
    membership_number: str
    joined_on: datetime.date
    left_on: datetime.date | None
    shares_held: int
    shares_paid: int
    status: str
    verified_at: datetime.datetime | None
    verified_by: str | None

    @staticmethod
    def resolve_verified_by(obj):
        return str(obj.verified_by) if obj.verified_by_id else None


class MemberIn(_Tolerant):
    national_code: str
    joined_on: datetime.date
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""
    email: str = ""
    gender: Gender | None = None
    birth_date: datetime.date | None = None
    membership_number: str = ""
    shares_held: int = 0
    shares_paid: int = 0


class MemberPatch(_Tolerant):
    membership_number: str | None = None
    joined_on: datetime.date | None = None
    left_on: datetime.date | None = None
    shares_held: int | None = None
    shares_paid: int | None = None
    status: MembershipStatus | None = None


class PositionOut(Schema):
    id: int
    role: str
    body: str
    person_id: int
    national_code: str = Field(..., alias="person.national_code")
    full_name: str = Field(..., alias="person.full_name")
    term_start: datetime.date
    term_end: datetime.date
    ended_on: datetime.date | None


class PositionFilters(Schema):
    current: bool | None = Field(None, description="true: in office; false: ended; absent: all")


class PositionIn(_Tolerant):
    role: PositionRole
    national_code: str
    term_start: datetime.date
    term_end: datetime.date | None = None
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""


class PositionEndIn(_Tolerant):
    ended_on: datetime.date


# --------------------------------------------------------------------------- helpers


def _location(values: dict) -> dict:
    """Province and county codes turned into rows; unknown codes are a 422."""
    errors = {}
    if "province" in values:
        province = Province.objects.filter(code=values["province"]).first()
        if province is None:
            errors["province"] = [_("Unknown province code.")]
        values["province"] = province
    if "county" in values:
        county = County.objects.filter(code=values["county"]).first()
        if county is None:
            errors["county"] = [_("Unknown county code.")]
        values["county"] = county
    if errors:
        raise ValidationError(errors)
    return values


def _payload(schema: Schema, *, exclude_unset: bool = False) -> dict:
    values = schema.model_dump(exclude_unset=exclude_unset)
    for key, value in values.items():
        if isinstance(value, Enum):  # choices enums → plain values
            values[key] = value.value
    return values


def _detail(coop):
    """The cooperative with what CooperativeDetailOut adds: verification and compliance."""
    coop.all_members_verified = selectors.all_members_verified(coop)
    coop.unverified_members = selectors.unverified_member_count(coop)
    coop.checks = selectors.compliance(coop)
    return coop


# --------------------------------------------------------------------------- cooperatives
#
# Every operation on one cooperative declares the reach it needs with ``auth=reach(...)``; the
# cooperative is then ``request.cooperative``.


@router.get("", response=list[CooperativeListOut], auth=reach(Action.VIEW), summary="List cooperatives in your scope")
@paginate(LimitOffset)
def list_cooperatives(request, filters: Query[CooperativeFilters]):
    return selectors.cooperative_list(user=request.auth, **filters.model_dump())


@router.post(
    "", response={201: CooperativeDetailOut}, auth=reach(Action.SUPERVISE), summary="Register a cooperative"
)
def create_cooperative(request, payload: CooperativeIn):
    user = request.auth
    values = _location(_payload(payload))
    if not scoped_provinces(user, Action.SUPERVISE).filter(pk=values["province"].pk).exists():
        raise PermissionDenied
    coop = services.create_cooperative(actor=user, **values)
    return Status(201, _detail(selectors.cooperative_for(user, coop.pk, Action.VIEW)))


@router.get(
    "/{int:cooperative_id}",
    response=CooperativeDetailOut,
    auth=reach(Action.VIEW),
    summary="One cooperative with its compliance checks",
)
def get_cooperative(request, cooperative_id: int):
    return _detail(request.cooperative)


@router.patch(
    "/{int:cooperative_id}", response=CooperativeDetailOut, auth=reach(Action.AUTHORITY), summary="Change a cooperative's data"
)
def update_cooperative(request, cooperative_id: int, payload: CooperativePatch):
    user, coop = request.auth, request.cooperative
    values = _location(_payload(payload, exclude_unset=True))
    if services.LOCATION_FIELDS & set(values):
        if not can(user, Action.SUPERVISE, coop):
            raise PermissionDenied
        province = values.get("province") or coop.province
        if not scoped_provinces(user, Action.SUPERVISE).filter(pk=province.pk).exists():
            raise PermissionDenied
    services.update_cooperative(actor=user, cooperative=coop, **values)
    return _detail(selectors.cooperative_for(user, coop.pk, Action.VIEW))


@router.get(
    "/{int:cooperative_id}/status",
    response=list[StatusChangeOut],
    auth=reach(Action.VIEW),
    summary="Status history, newest first",
)
def status_history(request, cooperative_id: int):
    return list(selectors.status_history(request.cooperative))


@router.post(
    "/{int:cooperative_id}/status",
    response={201: StatusChangeOut},
    auth=reach(Action.SUPERVISE),
    summary="Change a cooperative's status (provincial office)",
)
def change_status(request, cooperative_id: int, payload: StatusChangeIn):
    change = services.change_status(actor=request.auth, cooperative=request.cooperative, **_payload(payload))
    return Status(201, change)


# --------------------------------------------------------------------------- members


@router.get(
    "/{int:cooperative_id}/members", response=list[MemberOut], auth=reach(Action.VIEW), summary="Members, searchable"
)
@paginate(LimitOffset)
def list_members(request, cooperative_id: int, filters: Query[MemberFilters]):
    return selectors.members_of(request.cooperative, **filters.model_dump())


@router.post(
    "/{int:cooperative_id}/members",
    response={201: MemberOut},
    auth=reach(Action.AUTHORITY),
    summary="Add a member by national code",
)
def add_member(request, cooperative_id: int, payload: MemberIn):
    coop = request.cooperative
    values = _payload(payload)
    values["gender"] = values["gender"] or ""
    membership = services.add_member(actor=request.auth, cooperative=coop, **values)
    return Status(201, selectors.membership_of(coop, membership.pk))


@router.get(
    "/{int:cooperative_id}/members/{int:membership_id}",
    response=MemberOut,
    auth=reach(Action.VIEW),
    summary="One membership",
)
def get_member(request, cooperative_id: int, membership_id: int):
    return selectors.membership_of(request.cooperative, membership_id)


@router.patch(
    "/{int:cooperative_id}/members/{int:membership_id}",
    response=MemberOut,
    auth=reach(Action.AUTHORITY),
    summary="Change a membership",
)
def update_member(request, cooperative_id: int, membership_id: int, payload: MemberPatch):
    membership = selectors.membership_of(request.cooperative, membership_id)
    services.update_membership(actor=request.auth, membership=membership, **_payload(payload, exclude_unset=True))
    return selectors.membership_of(request.cooperative, membership_id)


# --------------------------------------------------------------------------- positions


@router.get(
    "/{int:cooperative_id}/positions",
    response=list[PositionOut],
    auth=reach(Action.VIEW),
    summary="Board, management and inspectors",
)
def list_positions(request, cooperative_id: int, filters: Query[PositionFilters]):
    return list(selectors.positions_of(request.cooperative, current=filters.current))


@router.post(
    "/{int:cooperative_id}/positions",
    response={201: PositionOut},
    auth=reach(Action.AUTHORITY),
    summary="Add a position with its term",
)
def add_position(request, cooperative_id: int, payload: PositionIn):
    position = services.add_position(actor=request.auth, cooperative=request.cooperative, **_payload(payload))
    return Status(201, selectors.position_of(request.cooperative, position.pk))


@router.post(
    "/{int:cooperative_id}/positions/{int:position_id}/end",
    response=PositionOut,
    auth=reach(Action.AUTHORITY),
    summary="End a position",
)
def end_position(request, cooperative_id: int, position_id: int, payload: PositionEndIn):
    position = selectors.position_of(request.cooperative, position_id)
    services.end_position(actor=request.auth, position=position, **_payload(payload))
    return selectors.position_of(request.cooperative, position_id)


# --------------------------------------------------------------------------- people

people_router = Router()


class PersonMembershipsOut(Schema):
    national_code: str
    name: str
    memberships: list[selectors.MembershipOfPerson]


@people_router.get(
    "/memberships",
    response=PersonMembershipsOut,
    auth=reach(Action.VIEW),
    summary="A national code's memberships in the cooperatives you may see",
)
def person_memberships(request, national_code: str):
    """Empty when none is in your reach, whether or not the person is registered."""
    try:
        code = clean_national_code(national_code)
    except ValidationError as exc:  # a malformed code: 422 on the parameter, with the validator's message
        raise ValidationError({"national_code": exc.error_list}) from None
    name, rows = selectors.memberships_in_reach(request.auth, code)
    return {"national_code": code, "name": name, "memberships": rows}
