"""Every write to the registry: cooperatives, status, members, governing positions.

Each function takes keyword arguments, runs in one transaction, checks the legal rules
(:mod:`taavon.registry.rules_checks`, messages citing the rule), raises
:class:`django.core.exceptions.ValidationError` on bad input with nothing written, and appends an
audit event with before/after snapshots. Who may call them is decided by the caller through
:mod:`taavon.accounts.scoping` (see :func:`taavon.registry.selectors.cooperative_for`).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import jdatetime
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.accounts.scoping import authenticated_user
from taavon.audit.services import record, snapshot
from taavon.core.identifiers import (
    clean_legal_national_id,
    clean_mobile,
    clean_national_code,
    clean_postal_code,
)
from taavon.core.jalali import days_in_jalali_month
from taavon.core.persian import normalize_for_display, to_ascii_digits
from taavon.core.templatetags.taavon_format import fadigits

from . import rules_checks
from .models import (
    BODY_OF_ROLE,
    PRINCIPAL_BOARD_ROLES,
    Body,
    Cooperative,
    CooperativeStatus,
    Gender,
    Membership,
    MembershipStatus,
    Person,
    Position,
    PositionRole,
    StatusChange,
)

if TYPE_CHECKING:
    from taavon.accounts.scoping import Actor

# Fields of a cooperative that the create and edit forms and the API write.
COOPERATIVE_FIELDS = (
    "name",
    "national_id",
    "registration_number",
    "registration_date",
    "registration_office",
    "province",
    "county",
    "activity",
    "membership_type",
    "membership_group",
    "legal_type",
    "isic_code",
    "fiscal_year_end_month",
    "authorised_capital",
    "paid_in_capital",
    "employees",
    "knowledge_based_certificate",
    "knowledge_based_expires_on",
    "brands",
    "description",
    "phone",
    "email",
    "website",
    "address",
    "postal_code",
)
# Moving a cooperative to another province or county moves it between supervisors: only those who
# SUPERVISE it may change these.
LOCATION_FIELDS = frozenset({"province", "county"})
COOPERATIVE_AUDIT_FIELDS = (*COOPERATIVE_FIELDS, "status")
MEMBERSHIP_FIELDS = ("membership_number", "joined_on", "left_on", "shares_held", "shares_paid", "status")
MEMBERSHIP_AUDIT_FIELDS = ("person", *MEMBERSHIP_FIELDS, "verified_at", "verified_by")
PERSON_AUDIT_FIELDS = ("national_code", "first_name", "last_name", "mobile", "email", "gender", "birth_date")
POSITION_AUDIT_FIELDS = ("person", "role", "body", "term_start", "term_end", "ended_on")


class _Errors:
    """Collects validation errors from several checks so the user sees them all at once."""

    def __init__(self):
        self.by_field: dict = {}

    def run(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValidationError as exc:
            exc.update_error_dict(self.by_field)
            return None

    def add(self, field: str | None, message, code: str, params=None):
        ValidationError({field or "__all__": ValidationError(message, code=code, params=params)}).update_error_dict(
            self.by_field
        )

    def raise_if_any(self):
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_length(errors: _Errors, model: type[models.Model], field: str, value: str) -> None:
    """A field error when ``value`` is longer than ``model.field`` holds (the database would refuse it: a 500)."""
    limit = getattr(model._meta.get_field(field), "max_length", None)
    if value and limit and len(value) > limit:
        errors.add(field, _("Enter at most %(limit)s characters."), "max_length", {"limit": fadigits(limit)})


def _today() -> datetime.date:
    return timezone.localdate()


def _digits(value) -> str:
    return to_ascii_digits(value or "").strip()


def add_jalali_years(day: datetime.date, years: int) -> datetime.date:
    """``day`` moved ``years`` Jalali years on (30 Esfand becomes 29 Esfand in a common year)."""
    j = jdatetime.date.fromgregorian(date=day)
    year = j.year + years
    return jdatetime.date(year, j.month, min(j.day, days_in_jalali_month(year, j.month))).togregorian()


# --------------------------------------------------------------------------- cooperatives


_DISPLAY_TEXT_FIELDS = ("name", "registration_office", "membership_group", "address")
_DIGIT_FIELDS = ("registration_number", "isic_code", "phone", "knowledge_based_certificate")
_BLANKABLE_FIELDS = (
    "membership_group",
    "registration_office",
    "isic_code",
    "phone",
    "email",
    "website",
    "address",
    "postal_code",
    "knowledge_based_certificate",
    "description",
)


def _clean_cooperative_values(values: dict, errors: _Errors) -> dict:
    """Canonical forms of typed values: display-normalised text, ASCII digits, checked identifiers.

    An identifier that fails its check is left out (its error is in ``errors``).
    """
    out = dict(values)
    for field in _BLANKABLE_FIELDS:
        if field in out and out[field] is None:
            out[field] = ""
    if "brands" in out and out["brands"] is None:
        out["brands"] = []
    for field in _DISPLAY_TEXT_FIELDS:
        if field in out and out[field] is not None:
            out[field] = normalize_for_display(out[field])
    if out.get("description"):
        out["description"] = out["description"].strip()
    for field in _DIGIT_FIELDS:
        if field in out and out[field] is not None:
            out[field] = _digits(out[field])
    for field, clean in (("national_id", clean_legal_national_id), ("postal_code", clean_postal_code)):
        if out.get(field):
            cleaned = errors.run(_field, field, clean, out[field])
            if cleaned is None:
                del out[field]
            else:
                out[field] = cleaned
    return out


def _field(name: str, clean, value):
    try:
        return clean(value)
    except ValidationError as exc:
        raise ValidationError({name: exc}) from None


def _validate_cooperative(coop: Cooperative, errors: _Errors) -> None:
    if coop.province_id and coop.county_id and coop.county.province_id != coop.province_id:
        errors.add("county", _("The county is not in the chosen province."), "county_province")
    if coop.authorised_capital is not None and coop.authorised_capital <= 0:
        errors.add("authorised_capital", _("Authorised capital must be more than zero."), "capital_positive")
    if coop.paid_in_capital is not None and coop.paid_in_capital < 0:
        errors.add("paid_in_capital", _("Paid-in capital cannot be negative."), "negative")
    if (
        coop.paid_in_capital is not None
        and coop.authorised_capital is not None
        and coop.paid_in_capital > coop.authorised_capital
    ):
        errors.add("paid_in_capital", _("Paid-in capital cannot be more than authorised capital."), "paid_above")
    if coop.fiscal_year_end_month is not None and not 1 <= coop.fiscal_year_end_month <= 12:
        errors.add("fiscal_year_end_month", _("Choose a month from 1 to 12."), "month")
    if coop.registration_date and coop.registration_date > _today():
        errors.add("registration_date", _("The registration date cannot be in the future."), "future")
    already_failed = set(errors.by_field)
    try:
        coop.full_clean(exclude=list(already_failed))
    except ValidationError as exc:
        exc.update_error_dict(errors.by_field)


@transaction.atomic
def create_cooperative(
    *,
    actor: Actor,
    name: str,
    national_id: str,
    registration_number: str,
    registration_date: datetime.date,
    province,
    county,
    activity: str,
    membership_type: str,
    legal_type: str,
    authorised_capital: int,
    paid_in_capital: int,
    **optional,
) -> Cooperative:
    """Register a new cooperative. Refused when paid-in capital is below the legal share of the
    authorised capital at registration (capital.paid_in_minimum_at_registration)."""
    unknown = set(optional) - set(COOPERATIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown cooperative fields: {sorted(unknown)}")
    errors = _Errors()
    values = _clean_cooperative_values(
        {
            "name": name,
            "national_id": national_id,
            "registration_number": registration_number,
            "registration_date": registration_date,
            "province": province,
            "county": county,
            "activity": activity,
            "membership_type": membership_type,
            "legal_type": legal_type,
            "authorised_capital": authorised_capital,
            "paid_in_capital": paid_in_capital,
            **optional,
        },
        errors,
    )
    if values.get("national_id") and Cooperative.objects.filter(national_id=values["national_id"]).exists():
        errors.add(
            "national_id",
            _("A cooperative with national ID %(id)s is already registered."),
            "duplicate_national_id",
            {"id": values["national_id"]},
        )
    if authorised_capital is not None and paid_in_capital is not None:
        errors.run(
            rules_checks.check_paid_in_at_registration,
            authorised_capital=authorised_capital,
            paid_in_capital=paid_in_capital,
            registration_date=registration_date,
        )
    coop = Cooperative(**values)
    _validate_cooperative(coop, errors)
    errors.raise_if_any()
    coop.save()
    record(actor, "cooperative.create", coop, after=snapshot(coop, COOPERATIVE_AUDIT_FIELDS))
    return coop


@transaction.atomic
def update_cooperative(*, actor: Actor | None, cooperative: Cooperative, **changes) -> Cooperative:
    """Change a cooperative's registered data; returns the saved cooperative.

    Only the given fields change. The caller checks that a change of ``LOCATION_FIELDS`` is made by
    someone who may supervise the cooperative.
    """
    unknown = set(changes) - set(COOPERATIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown cooperative fields: {sorted(unknown)}")
    coop = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    before = snapshot(coop, COOPERATIVE_AUDIT_FIELDS)
    errors = _Errors()
    values = _clean_cooperative_values(changes, errors)
    if values.get("national_id") and (
        Cooperative.objects.filter(national_id=values["national_id"]).exclude(pk=coop.pk).exists()
    ):
        errors.add(
            "national_id",
            _("A cooperative with national ID %(id)s is already registered."),
            "duplicate_national_id",
            {"id": values["national_id"]},
        )
    for field, value in values.items():
        setattr(coop, field, value)
    _validate_cooperative(coop, errors)
    errors.raise_if_any()
    after = snapshot(coop, COOPERATIVE_AUDIT_FIELDS)
    if after != before:
        coop.save()
        record(actor, "cooperative.update", coop, before=before, after=snapshot(coop, COOPERATIVE_AUDIT_FIELDS))
    return coop


@transaction.atomic
def change_status(
    *, actor: Actor, cooperative: Cooperative, status: str, effective_on: datetime.date, reason: str
) -> StatusChange:
    """Record a dated change of status with its reason; ``Cooperative.status`` follows the latest one."""
    coop = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    errors = _Errors()
    reason = (reason or "").strip()
    if status not in CooperativeStatus.values:
        errors.add("status", _("Choose a valid status."), "invalid_choice")
    elif status == coop.status:
        errors.add(
            "status",
            _("The cooperative is already %(status)s."),
            "same_status",
            {"status": CooperativeStatus(status).label},
        )
    if effective_on is None:
        errors.add("effective_on", _("Enter the date the change takes effect."), "required")
    elif effective_on > _today():
        errors.add("effective_on", _("The effective date cannot be in the future."), "future")
    elif effective_on < coop.registration_date:
        errors.add("effective_on", _("The effective date cannot be before the registration date."), "before_reg")
    if not reason:
        errors.add("reason", _("Give the reason for the change."), "required")
    errors.raise_if_any()
    old_status = coop.status
    change = StatusChange.objects.create(
        cooperative=coop,
        status=status,
        effective_on=effective_on,
        reason=reason,
        changed_by=authenticated_user(actor),
    )
    latest = coop.status_changes.order_by("-effective_on", "-id").first() or change
    coop.status = latest.status
    coop.save(update_fields=["status", "updated_at"])
    cooperative.status = coop.status
    record(
        actor,
        "cooperative.status_change",
        coop,
        before={"status": old_status},
        after={"status": coop.status, "effective_on": effective_on, "reason": reason},
    )
    return change


# --------------------------------------------------------------------------- members


def refresh_member_count(cooperative: Cooperative) -> int:
    """Store the number of active members on the cooperative (``member_count``) and return it.

    The one place that keeps the count current: call it after any change to memberships.
    """
    count = Membership.objects.filter(cooperative_id=cooperative.pk, status=MembershipStatus.ACTIVE).count()
    Cooperative.objects.filter(pk=cooperative.pk).update(member_count=count)
    cooperative.member_count = count
    return count


def _person_for(
    national_code: str, *, first_name="", last_name="", mobile="", email="", gender="", birth_date=None,
    errors: _Errors,
) -> tuple[Person | None, bool, dict | None]:
    """(person, created, before) for ``national_code``: the existing person, completed with contact
    details it lacks, or a new unsaved one. ``before`` is the snapshot of an existing person."""
    mobile = (errors.run(_field, "mobile", clean_mobile, mobile) or "") if mobile else ""
    if gender and gender not in Gender.values:
        errors.add("gender", _("Choose a valid gender."), "invalid_choice")
        gender = ""
    person = Person.objects.filter(national_code=national_code).first()
    if person is not None:
        before = snapshot(person, PERSON_AUDIT_FIELDS)
        for field, value in (("mobile", mobile), ("email", email), ("gender", gender), ("birth_date", birth_date)):
            if value and not getattr(person, field):
                setattr(person, field, value)
        return person, False, before
    first_name, last_name = normalize_for_display(first_name), normalize_for_display(last_name)
    if not first_name:
        errors.add("first_name", _("This person is new to the register: enter their first name."), "required")
    if not last_name:
        errors.add("last_name", _("This person is new to the register: enter their last name."), "required")
    if birth_date and birth_date > _today():
        errors.add("birth_date", _("The birth date cannot be in the future."), "future")
    person = Person(
        national_code=national_code,
        first_name=first_name,
        last_name=last_name,
        mobile=mobile or "",
        email=(email or "").strip(),
        gender=gender or "",
        birth_date=birth_date,
    )
    return person, True, None


def _save_person(actor: Actor | None, person: Person, created: bool, before: dict | None, cooperative: Cooperative) -> None:
    if created:
        person.full_clean()
        person.save()
        record(actor, "person.create", person, after=snapshot(person, PERSON_AUDIT_FIELDS), cooperative=cooperative)
        return
    after = snapshot(person, PERSON_AUDIT_FIELDS)
    if after != before:
        person.save()
        record(actor, "person.update", person, before=before, after=after, cooperative=cooperative)


@transaction.atomic
def add_member(
    *,
    actor: Actor,
    cooperative: Cooperative,
    national_code: str,
    joined_on: datetime.date,
    first_name: str = "",
    last_name: str = "",
    mobile: str = "",
    email: str = "",
    gender: str = "",
    birth_date: datetime.date | None = None,
    membership_number: str = "",
    shares_held: int = 0,
    shares_paid: int = 0,
) -> Membership:
    """Add a member by national code, reusing the person if already registered (names are then
    kept as registered; missing contact details are filled in).

    Refused: a second membership of the same person, a member beyond the maximum for the legal
    type (members.limits_by_type), a holding above capital.max_member_share.
    """
    coop = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    code = _field("national_code", clean_national_code, national_code)
    rules_checks.check_not_already_member(coop, code)
    errors = _Errors()
    person, created, person_before = _person_for(
        code,
        first_name=first_name,
        last_name=last_name,
        mobile=mobile,
        email=email,
        gender=gender,
        birth_date=birth_date,
        errors=errors,
    )
    if joined_on is None:
        errors.add("joined_on", _("Enter the date the member joined."), "required")
    elif joined_on > _today():
        errors.add("joined_on", _("The joining date cannot be in the future."), "future")
    shares_held, shares_paid = shares_held or 0, shares_paid or 0
    errors.run(rules_checks.check_member_shares, coop, shares_held=shares_held, shares_paid=shares_paid)
    errors.run(rules_checks.check_room_for_member, coop)
    _check_length(errors, Membership, "membership_number", _digits(membership_number))
    errors.raise_if_any()
    assert person is not None  # a missing person was refused above
    _save_person(actor, person, created, person_before, coop)
    membership = Membership(
        cooperative=coop,
        person=person,
        membership_number=_digits(membership_number),
        joined_on=joined_on,
        shares_held=shares_held,
        shares_paid=shares_paid,
        status=MembershipStatus.ACTIVE,
    )
    membership.save()
    record(actor, "membership.create", membership, after=snapshot(membership, MEMBERSHIP_AUDIT_FIELDS))
    refresh_member_count(coop)
    cooperative.member_count = coop.member_count
    return membership


def _update_membership(actor: Actor, membership: Membership, action: str, changes: dict) -> Membership:
    unknown = set(changes) - set(MEMBERSHIP_FIELDS)
    if unknown:
        raise TypeError(f"unknown membership fields: {sorted(unknown)}")
    Cooperative.objects.select_for_update().filter(pk=membership.cooperative_id).first()
    m = Membership.objects.select_related("cooperative", "person").get(pk=membership.pk)
    coop = m.cooperative
    before = snapshot(m, MEMBERSHIP_AUDIT_FIELDS)
    old_status = m.status
    errors = _Errors()
    if "membership_number" in changes:
        changes["membership_number"] = _digits(changes["membership_number"])
    for field, value in changes.items():
        if field in ("shares_held", "shares_paid") and value is None:
            continue
        setattr(m, field, value)
    if m.status not in MembershipStatus.values:
        errors.add("status", _("Choose a valid status."), "invalid_choice")
    if m.joined_on is None:
        errors.add("joined_on", _("Enter the date the member joined."), "required")
    elif m.joined_on > _today():
        errors.add("joined_on", _("The joining date cannot be in the future."), "future")
    if m.status == MembershipStatus.LEFT:
        if m.left_on is None:
            errors.add("left_on", _("Enter the date the member left."), "required")
        elif m.left_on > _today():
            errors.add("left_on", _("The leaving date cannot be in the future."), "future")
        elif m.joined_on and m.left_on < m.joined_on:
            errors.add("left_on", _("The leaving date cannot be before the joining date."), "before_joined")
    elif "left_on" in changes and changes["left_on"] is not None:
        errors.add("left_on", _("A leaving date needs the status Left."), "left_on_needs_left")
    else:
        m.left_on = None
    if "shares_held" in changes or "shares_paid" in changes:
        errors.run(rules_checks.check_member_shares, coop, shares_held=m.shares_held, shares_paid=m.shares_paid)
    if m.status == MembershipStatus.ACTIVE and old_status != MembershipStatus.ACTIVE:
        errors.run(rules_checks.check_room_for_member, coop)
    if "membership_number" in changes:
        _check_length(errors, Membership, "membership_number", m.membership_number)
    errors.raise_if_any()
    data_after = snapshot(m, MEMBERSHIP_AUDIT_FIELDS)
    if data_after == before:
        return m
    # The provincial office verified the data as it stood: changed data needs verifying again.
    m.verified_at, m.verified_by = None, None
    m.save()
    record(actor, action, m, before=before, after=snapshot(m, MEMBERSHIP_AUDIT_FIELDS))
    refresh_member_count(coop)
    return m


@transaction.atomic
def update_membership(*, actor: Actor, membership: Membership, **changes) -> Membership:
    """Change a membership's number, dates, shares or status. Changed data loses its verification.

    Reactivating a member is refused beyond the maximum for the legal type; shares are checked
    against capital.max_member_share.
    """
    return _update_membership(actor, membership, "membership.update", changes)


@transaction.atomic
def leave_membership(*, actor: Actor, membership: Membership, left_on: datetime.date) -> Membership:
    """Mark a member as having left on ``left_on``."""
    if membership.status == MembershipStatus.LEFT:
        raise ValidationError(_("This member has already left."), code="already_left")
    return _update_membership(actor, membership, "membership.leave", {"status": MembershipStatus.LEFT, "left_on": left_on})


# --------------------------------------------------------------------------- positions

MEMBER_ONLY_BODIES = {Body.BOARD, Body.INSPECTION}


def default_term_end(role: str, term_start: datetime.date) -> datetime.date:
    """The end of a term starting ``term_start``: inspectors.term_years for inspectors,
    board.term_years for the board and the managing director it appoints."""
    key = "inspectors.term_years" if BODY_OF_ROLE[PositionRole(role)] == Body.INSPECTION else "board.term_years"
    return add_jalali_years(term_start, int(rules.get(key, term_start)))


@transaction.atomic
def add_position(
    *,
    actor: Actor | None,
    cooperative: Cooperative,
    role: str,
    term_start: datetime.date,
    national_code: str = "",
    person: Person | None = None,
    term_end: datetime.date | None = None,
    first_name: str = "",
    last_name: str = "",
    mobile: str = "",
) -> Position:
    """Seat a person on the board, as managing director or as inspector.

    Board and inspector seats need an active member; a managing director may be a non-member
    (a new person is registered from the names given). Refused: an eighth principal board member
    (board.size_max), alternates beyond board.alternates_max, a second holder of a single-holder
    role, the same person twice in one body.
    """
    coop = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    errors = _Errors()
    if role not in PositionRole.values:
        raise ValidationError({"role": ValidationError(_("Choose a valid role."), code="invalid_choice")})
    role = PositionRole(role)
    body = BODY_OF_ROLE[role]
    person_created, person_before = False, None
    if person is None:
        code = _field("national_code", clean_national_code, national_code)
        if body in MEMBER_ONLY_BODIES:
            person = Person.objects.filter(national_code=code).first()
        else:
            person, person_created, person_before = _person_for(
                code, first_name=first_name, last_name=last_name, mobile=mobile, errors=errors
            )
    if body in MEMBER_ONLY_BODIES and (
        person is None
        or not Membership.objects.filter(cooperative=coop, person=person, status=MembershipStatus.ACTIVE).exists()
    ):
        errors.add(
            "national_code",
            _("Board members and inspectors must be active members of the cooperative."),
            "not_member",
        )
    current = rules_checks.current_positions(coop)
    if role in rules_checks.SINGLE_HOLDER_ROLES and current.filter(role=role).exists():
        errors.add(
            "role",
            _("The cooperative already has a %(role)s in office; end that position first."),
            "role_taken",
            {"role": role.label},
        )
    if person is not None and person.pk and current.filter(person=person, body=body).exists():
        errors.add("national_code", _("This person already holds a position in this body."), "already_seated")
    if role in PRINCIPAL_BOARD_ROLES:
        errors.run(rules_checks.check_board_seat_free, coop)
    elif role == PositionRole.ALTERNATE:
        errors.run(rules_checks.check_alternate_seat_free, coop)
    if term_start is None:
        errors.add("term_start", _("Enter the start of the term."), "required")
    else:
        term_end = term_end or default_term_end(role, term_start)
        if term_end <= term_start:
            errors.add("term_end", _("The term must end after it starts."), "term_order")
    errors.raise_if_any()
    assert person is not None  # a missing person was refused above
    if person_created or person_before is not None:
        _save_person(actor, person, person_created, person_before, coop)
    position = Position.objects.create(
        cooperative=coop, person=person, role=role, term_start=term_start, term_end=term_end
    )
    record(actor, "position.create", position, after=snapshot(position, POSITION_AUDIT_FIELDS))
    return position


@transaction.atomic
def end_position(*, actor: Actor, position: Position, ended_on: datetime.date) -> Position:
    """End a position on ``ended_on`` (resignation, removal, replacement)."""
    p = Position.objects.select_for_update().select_related("person", "cooperative").get(pk=position.pk)
    if p.ended_on is not None:
        raise ValidationError(_("This position has already ended."), code="already_ended")
    if ended_on is None:
        raise ValidationError({"ended_on": ValidationError(_("Enter the date the position ended."), code="required")})
    if ended_on < p.term_start:
        raise ValidationError(
            {"ended_on": ValidationError(_("A position cannot end before its term starts."), code="before_start")}
        )
    if ended_on > _today():
        raise ValidationError({"ended_on": ValidationError(_("The end date cannot be in the future."), code="future")})
    before = snapshot(p, POSITION_AUDIT_FIELDS)
    p.ended_on = ended_on
    p.save(update_fields=["ended_on"])
    record(actor, "position.end", p, before=before, after=snapshot(p, POSITION_AUDIT_FIELDS))
    return p
