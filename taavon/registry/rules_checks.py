"""The legal rules the registry applies when data is entered, and the compliance report.

Two kinds of function live here:

``check_*``
    Called by :mod:`taavon.registry.services` before a write. Each raises
    :class:`django.core.exceptions.ValidationError` whose message quotes the rule it applies
    (``rules.cite(key)``).
``compliance``
    The list of :class:`taavon.rules.Finding` rows shown on the cooperative page: every rule of
    :data:`COMPLIANCE`, pass or fail, with its citation. Conditions that build up one entry at a
    time (too few members, too few board members) are reported here rather than refused.

The compliance rules are declared once as :class:`taavon.rules.Check` (``MEMBERS_MIN``…): the
same declaration gives one cooperative's finding (``check.evaluate(cooperative)``) and every
failing cooperative of a queryset (``check.failing(Cooperative.objects.all())``, one query).

Every number comes from :mod:`taavon.rules`; none is written here.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from math import floor

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, ExpressionWrapper, F, Max, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from taavon import rules
from taavon.core.templatetags.taavon_format import money
from taavon.rules import Check, Compare, Finding, Severity
from taavon.rules.checks import by_date

from .models import PRINCIPAL_BOARD_ROLES, Cooperative, Membership, MembershipStatus, Position, PositionRole


def _rials(amount: int) -> str:
    """An amount with thousands separators in the active language's digits."""
    return money(amount)


# --------------------------------------------------------------------------- members


def member_limits(cooperative: Cooperative, on: datetime.date | None = None) -> tuple[int, int | None]:
    """(minimum, maximum or None) members for the cooperative's legal type (members.limits_by_type)."""
    limits = rules.get("members.limits_by_type", on)
    pair = limits.get(cooperative.legal_type)
    if pair is None:
        return rules.get("members.minimum", on), None
    low, high = pair[0], pair[1]
    return (low if low is not None else rules.get("members.minimum", on)), high


def active_member_count(cooperative: Cooperative) -> int:
    return Membership.objects.filter(cooperative=cooperative, status=MembershipStatus.ACTIVE).count()


def check_room_for_member(cooperative: Cooperative, *, adding: int = 1) -> None:
    """Refuse an active member beyond the maximum for the cooperative's legal type."""
    _low, high = member_limits(cooperative)
    if high is None:
        return
    count = active_member_count(cooperative)
    if count + adding > high:
        raise ValidationError(
            _(
                "This cooperative already has %(count)s active members, the most allowed for its type (%(type)s): "
                "%(max)s. Rule: %(rule)s."
            ),
            code="members_max",
            params={
                "count": count,
                "type": cooperative.get_legal_type_display(),
                "max": high,
                "rule": rules.cite("members.limits_by_type"),
            },
        )


def check_not_already_member(cooperative: Cooperative, national_code: str, *, exclude_pk=None) -> None:
    """Refuse a second membership of the same person (by national code) in one cooperative."""
    existing = Membership.objects.filter(cooperative=cooperative, person__national_code=national_code)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    row = existing.first()
    if row is not None:
        raise ValidationError(
            {
                "national_code": ValidationError(
                    _(
                        "The person with national code %(code)s is already a member of this cooperative "
                        "(status: %(status)s). Edit that membership instead."
                    ),
                    code="duplicate_member",
                    params={"code": national_code, "status": row.get_status_display()},
                )
            }
        )


def max_member_shares(cooperative: Cooperative) -> int:
    """The largest shares_held one member may have (capital.max_member_share of authorised capital)."""
    share = Fraction(rules.get("capital.max_member_share"))
    return floor(share * cooperative.authorised_capital)


def check_member_shares(cooperative: Cooperative, *, shares_held: int, shares_paid: int) -> None:
    """Refuse negative amounts, paid above held, and a holding above the largest allowed share."""
    errors: dict[str, list[ValidationError]] = {}
    if shares_held < 0:
        errors.setdefault("shares_held", []).append(
            ValidationError(_("Shares held cannot be negative."), code="negative")
        )
    if shares_paid < 0:
        errors.setdefault("shares_paid", []).append(
            ValidationError(_("Shares paid cannot be negative."), code="negative")
        )
    if shares_paid > shares_held:
        errors.setdefault("shares_paid", []).append(
            ValidationError(_("Shares paid cannot be more than shares held."), code="paid_above_held")
        )
    limit = max_member_shares(cooperative)
    if shares_held > limit:
        errors.setdefault("shares_held", []).append(
            ValidationError(
                _(
                    "One member may hold at most %(max)s rials of this cooperative's %(capital)s rials of authorised "
                    "capital. Rule: %(rule)s."
                ),
                code="member_share_max",
                params={
                    "max": _rials(limit),
                    "capital": _rials(cooperative.authorised_capital),
                    "rule": rules.cite("capital.max_member_share"),
                },
            )
        )
    if errors:
        raise ValidationError(errors)


# --------------------------------------------------------------------------- capital


def check_paid_in_at_registration(
    *, authorised_capital: int, paid_in_capital: int, registration_date: datetime.date | None
) -> None:
    """Refuse a registration whose paid-in capital is below the legal share of authorised capital."""
    share = Fraction(rules.get("capital.paid_in_minimum_at_registration", registration_date))
    if Fraction(paid_in_capital) < share * authorised_capital:
        minimum = -(-share.numerator * authorised_capital // share.denominator)  # ceiling
        raise ValidationError(
            {
                "paid_in_capital": ValidationError(
                    _(
                        "At registration at least %(min)s rials (%(share)s of the authorised capital) must be paid "
                        "in. Rule: %(rule)s."
                    ),
                    code="paid_in_minimum",
                    params={
                        "min": _rials(minimum),
                        "share": str(share),
                        "rule": rules.cite("capital.paid_in_minimum_at_registration"),
                    },
                )
            }
        )


# --------------------------------------------------------------------------- positions

SINGLE_HOLDER_ROLES = {
    PositionRole.CHAIR,
    PositionRole.VICE_CHAIR,
    PositionRole.SECRETARY,
    PositionRole.MANAGING_DIRECTOR,
}


def current_positions(cooperative: Cooperative):
    """Positions not yet ended (a member stays in office after the term until replaced)."""
    return Position.objects.filter(cooperative=cooperative, ended_on__isnull=True)


def principal_board_count(cooperative: Cooperative) -> int:
    return current_positions(cooperative).filter(role__in=PRINCIPAL_BOARD_ROLES).count()


def check_board_seat_free(cooperative: Cooperative) -> None:
    """Refuse a principal board member beyond board.size_max."""
    high = rules.get("board.size_max")
    count = principal_board_count(cooperative)
    if count + 1 > high:
        raise ValidationError(
            {
                "role": ValidationError(
                    _(
                        "The board already has %(count)s principal members, the most allowed (%(max)s). End a "
                        "position first. Rule: %(rule)s."
                    ),
                    code="board_max",
                    params={"count": count, "max": high, "rule": rules.cite("board.size_max")},
                )
            }
        )


def check_alternate_seat_free(cooperative: Cooperative) -> None:
    """Refuse an alternate board member beyond board.alternates_max."""
    high = rules.get("board.alternates_max")
    count = current_positions(cooperative).filter(role=PositionRole.ALTERNATE).count()
    if count + 1 > high:
        raise ValidationError(
            {
                "role": ValidationError(
                    _(
                        "The board already has %(count)s alternate members, the most allowed (%(max)s). Rule: "
                        "%(rule)s."
                    ),
                    code="alternates_max",
                    params={"count": count, "max": high, "rule": rules.cite("board.alternates_max")},
                )
            }
        )


# --------------------------------------------------------------------------- compliance report


# Each check reads the rules in force on ``on`` (today by default) when it is built into a query.


def _principal_board_count(context) -> Coalesce:
    seats = (
        Position.objects.filter(cooperative=OuterRef("pk"), ended_on__isnull=True, role__in=PRINCIPAL_BOARD_ROLES)
        .order_by()
        .values("cooperative")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(seats), 0)


def _members_bound(context, *, high: bool) -> Case:
    """The minimum (or maximum) members for each row's legal type; NULL where the type has no maximum."""
    on = context.get("on")
    general = rules.get("members.minimum", on)
    whens = []
    for legal_type, (low, top) in rules.get("members.limits_by_type", on).items():
        bound = top if high else (low if low is not None else general)
        whens.append(When(legal_type=legal_type, then=Value(bound, models.IntegerField())))
    default = None if high else general
    return Case(*whens, default=Value(default, models.IntegerField()), output_field=models.IntegerField())


def _share(context) -> Fraction:
    return Fraction(rules.get("capital.max_member_share", context.get("on")))


def _holding_limit(context):
    """The largest shares_held one member may hold, per row: floor(share × authorised capital)."""
    share = _share(context)
    # Whole rials divided by a whole number: integer division, i.e. floor for these positive amounts.
    return ExpressionWrapper(
        F("authorised_capital") * share.numerator / share.denominator, output_field=models.BigIntegerField()
    )


def _kept_memberships():
    return Membership.objects.filter(cooperative=OuterRef("pk")).exclude(status=MembershipStatus.LEFT).order_by()


def _count(queryset) -> Coalesce:
    return Coalesce(Subquery(queryset.values("cooperative").annotate(n=Count("pk")).values("n")), 0)


def _over_limit(context) -> Coalesce:
    share = _share(context)
    limit = OuterRef("authorised_capital") * share.numerator / share.denominator
    return _count(_kept_memberships().filter(shares_held__gt=limit))


def _largest_holding(context) -> Coalesce:
    return Coalesce(Subquery(_kept_memberships().values("cooperative").annotate(m=Max("shares_held")).values("m")), 0)


def _unverified(context) -> Coalesce:
    return _count(_kept_memberships().filter(verified_at__isnull=True))


def _paid_in_share(part: str):
    """The numerator or denominator of the paid-in share in force on each row's registration date."""
    return by_date(
        "capital.paid_in_minimum_at_registration",
        "registration_date",
        pick=lambda value: getattr(Fraction(value), part),
    )


def _type_label(cooperative: Cooperative):
    return lazy(cooperative.get_legal_type_display, str)()


def _lazy_rials(amount: int):
    return lazy(_rials, str)(amount)


MEMBERS_MIN = Check(
    code="members_min",
    key="members.limits_by_type",
    title=gettext_noop("Minimum members"),
    message=gettext_noop("%(count)s active members; at least %(min)s required for this type (%(type)s)."),
    severity=Severity.WARNING,
    measure=lambda context: F("member_count"),
    bound=lambda context: _members_bound(context, high=False),
    compare=Compare.AT_LEAST,
    params=lambda coop, v: {"count": v["measure"], "min": v["bound"], "type": _type_label(coop)},
)
MEMBERS_MAX = Check(
    code="members_max",
    key="members.limits_by_type",
    title=gettext_noop("Maximum members"),
    message=gettext_noop("%(count)s active members; at most %(max)s allowed."),
    severity=Severity.ERROR,
    measure=lambda context: F("member_count"),
    bound=lambda context: _members_bound(context, high=True),
    compare=Compare.AT_MOST,
    params=lambda coop, v: {"count": v["measure"], "max": v["bound"]},
)
BOARD_MIN = Check(
    code="board_min",
    key="board.size_min",
    title=gettext_noop("Board of directors: fewest principal members"),
    message=gettext_noop("%(count)s principal members; at least %(min)s required."),
    severity=Severity.WARNING,
    measure=_principal_board_count,
    bound=lambda context: Value(rules.get("board.size_min", context.get("on")), models.IntegerField()),
    compare=Compare.AT_LEAST,
    params=lambda coop, v: {"count": v["measure"], "min": v["bound"]},
)
BOARD_MAX = Check(
    code="board_max",
    key="board.size_max",
    title=gettext_noop("Board of directors: most principal members"),
    message=gettext_noop("%(count)s principal members; at most %(max)s allowed."),
    severity=Severity.ERROR,
    measure=_principal_board_count,
    bound=lambda context: Value(rules.get("board.size_max", context.get("on")), models.IntegerField()),
    compare=Compare.AT_MOST,
    params=lambda coop, v: {"count": v["measure"], "max": v["bound"]},
)
PAID_IN = Check(
    code="paid_in",
    key="capital.paid_in_minimum_at_registration",
    title=gettext_noop("Paid-in capital"),
    message=gettext_noop("%(paid)s of %(authorised)s rials paid in; at least %(share)s required."),
    severity=Severity.ERROR,
    # paid / authorised >= n / d, multiplied out so the database compares whole numbers.
    measure=lambda context: F("paid_in_capital") * _paid_in_share("denominator"),
    bound=lambda context: F("authorised_capital") * _paid_in_share("numerator"),
    compare=Compare.AT_LEAST,
    extra={"numerator": lambda context: _paid_in_share("numerator"),
           "denominator": lambda context: _paid_in_share("denominator")},
    params=lambda coop, v: {
        "paid": _lazy_rials(coop.paid_in_capital),
        "authorised": _lazy_rials(coop.authorised_capital),
        "share": str(Fraction(v["numerator"], v["denominator"])),
    },
)
LARGEST_HOLDING = Check(
    code="largest_holding",
    key="capital.max_member_share",
    title=gettext_noop("Largest holding of one member"),
    message=gettext_noop("%(over)s members hold more than %(max)s rials."),
    severity=Severity.ERROR,
    # Members who left keep their row but hold nothing in the cooperative any more.
    measure=_largest_holding,
    bound=_holding_limit,
    compare=Compare.AT_MOST,
    extra={"over": _over_limit},
    params=lambda coop, v: {"over": v["over"], "max": _lazy_rials(v["bound"])},
)
ALL_VERIFIED = Check(
    code="all_verified",
    key="assembly.electronic_requires_all_verified",
    title=gettext_noop("Every member verified (needed for electronic assemblies)"),
    message=gettext_noop("%(unverified)s members not yet verified by the provincial office."),
    severity=Severity.WARNING,
    # A register with no active member is not "all verified": it counts as one member short.
    measure=lambda context: Case(When(member_count=0, then=Value(1)), default=_unverified(context)),
    bound=lambda context: Value(0, models.IntegerField()),
    compare=Compare.AT_MOST,
    extra={"unverified": _unverified},
    params=lambda coop, v: {"unverified": v["unverified"]},
    in_force=lambda context: bool(rules.get("assembly.electronic_requires_all_verified", context.get("on"))),
)

#: The registry's compliance rules, in the order the cooperative page lists them.
COMPLIANCE: tuple[Check, ...] = (MEMBERS_MIN, MEMBERS_MAX, BOARD_MIN, BOARD_MAX, PAID_IN, LARGEST_HOLDING, ALL_VERIFIED)


def compliance(cooperative: Cooperative, *, on: datetime.date | None = None) -> list[Finding]:
    """Every compliance rule that applies to ``cooperative``, pass or fail, with the rules of ``on``."""
    findings = (check.evaluate(cooperative, on=on) for check in COMPLIANCE)
    return [finding for finding in findings if finding is not None]
