"""The legal rules the registry applies when data is entered, and the compliance report.

Two kinds of function live here:

``check_*``
    Called by :mod:`taavon.registry.services` before a write. Each raises
    :class:`django.core.exceptions.ValidationError` whose message quotes the rule it applies
    (``rules.parameter(key).cite()``).
``compliance``
    The list of :class:`Check` rows shown on the cooperative page: every rule, pass or fail,
    with its citation. Conditions that build up one entry at a time (too few members, too few
    board members) are reported here rather than refused.

Every number comes from :mod:`taavon.rules`; none is written here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from math import floor

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.core.templatetags.taavon_format import money

from .models import PRINCIPAL_BOARD_ROLES, Cooperative, Membership, MembershipStatus, Position, PositionRole


@dataclass(frozen=True)
class Check:
    """One rule applied to one cooperative, as shown on its page."""

    key: str
    title: str
    citation: str
    passed: bool
    detail: str
    blocking: bool = False  # True: entries breaking it are refused; False: flagged only


def _cite(key: str) -> str:
    return rules.parameter(key).cite()


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
                "rule": _cite("members.limits_by_type"),
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
                    "rule": _cite("capital.max_member_share"),
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
                        "rule": _cite("capital.paid_in_minimum_at_registration"),
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
                    params={"count": count, "max": high, "rule": _cite("board.size_max")},
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
                    params={"count": count, "max": high, "rule": _cite("board.alternates_max")},
                )
            }
        )


# --------------------------------------------------------------------------- compliance report


def compliance(cooperative: Cooperative) -> list[Check]:
    """Every rule the registry checks, applied to ``cooperative`` as it stands today."""
    checks: list[Check] = []
    members = cooperative.member_count
    low, high = member_limits(cooperative)
    checks.append(
        Check(
            key="members.limits_by_type",
            title=gettext("Minimum members"),
            citation=_cite("members.limits_by_type"),
            passed=members >= low,
            detail=gettext("%(count)s active members; at least %(min)s required for this type (%(type)s).")
            % {"count": members, "min": low, "type": cooperative.get_legal_type_display()},
        )
    )
    if high is not None:
        checks.append(
            Check(
                key="members.limits_by_type",
                title=gettext("Maximum members"),
                citation=_cite("members.limits_by_type"),
                passed=members <= high,
                detail=gettext("%(count)s active members; at most %(max)s allowed.") % {"count": members, "max": high},
                blocking=True,
            )
        )

    board = principal_board_count(cooperative)
    board_min, board_max = rules.get("board.size_min"), rules.get("board.size_max")
    checks.append(
        Check(
            key="board.size_min",
            title=gettext("Board of directors: fewest principal members"),
            citation=_cite("board.size_min"),
            passed=board >= board_min,
            detail=gettext("%(count)s principal members; at least %(min)s required.")
            % {"count": board, "min": board_min},
        )
    )
    checks.append(
        Check(
            key="board.size_max",
            title=gettext("Board of directors: most principal members"),
            citation=_cite("board.size_max"),
            passed=board <= board_max,
            detail=gettext("%(count)s principal members; at most %(max)s allowed.") % {"count": board, "max": board_max},
            blocking=True,
        )
    )

    share = Fraction(rules.get("capital.paid_in_minimum_at_registration", cooperative.registration_date))
    checks.append(
        Check(
            key="capital.paid_in_minimum_at_registration",
            title=gettext("Paid-in capital"),
            citation=_cite("capital.paid_in_minimum_at_registration"),
            passed=Fraction(cooperative.paid_in_capital) >= share * cooperative.authorised_capital,
            detail=gettext("%(paid)s of %(authorised)s rials paid in; at least %(share)s required.")
            % {
                "paid": _rials(cooperative.paid_in_capital),
                "authorised": _rials(cooperative.authorised_capital),
                "share": str(share),
            },
            blocking=True,
        )
    )

    limit = max_member_shares(cooperative)
    over = (
        Membership.objects.filter(cooperative=cooperative, shares_held__gt=limit)
        .exclude(status=MembershipStatus.LEFT)
        .count()
    )
    checks.append(
        Check(
            key="capital.max_member_share",
            title=gettext("Largest holding of one member"),
            citation=_cite("capital.max_member_share"),
            passed=over == 0,
            detail=gettext("%(over)s members hold more than %(max)s rials.") % {"over": over, "max": _rials(limit)},
            blocking=True,
        )
    )

    unverified = (
        Membership.objects.filter(cooperative=cooperative, verified_at__isnull=True)
        .exclude(status=MembershipStatus.LEFT)
        .count()
    )
    if rules.get("assembly.electronic_requires_all_verified"):
        checks.append(
            Check(
                key="assembly.electronic_requires_all_verified",
                title=gettext("Every member verified (needed for electronic assemblies)"),
                citation=_cite("assembly.electronic_requires_all_verified"),
                passed=unverified == 0 and members > 0,
                detail=gettext("%(unverified)s members not yet verified by the provincial office.")
                % {"unverified": unverified},
            )
        )
    return checks
