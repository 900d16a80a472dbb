"""Reads of member verification: a member's state, the supervisor's queue, what awaits whom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from taavon.accounts.scoping import Action, get_or_404, has_any_scope, scope
from taavon.core.identifiers import is_valid_national_code

from ..models import Cooperative, Membership, VerificationBatch, VerificationRequest, VerificationState

if TYPE_CHECKING:
    from taavon.accounts.scoping import Actor

NOT_REQUESTED, REQUESTED, VERIFIED, REFUSED = "not_requested", "requested", "verified", "refused"
STATE_LABELS = {
    NOT_REQUESTED: _("Not requested"),
    REQUESTED: _("Awaiting the provincial office"),
    VERIFIED: _("Verified"),
    REFUSED: _("Refused"),
}


@dataclass(frozen=True)
class MemberVerification:
    """Where a member stands: ``state`` (one of the four above), the live or last request, and
    the refusal's reason when the last answer was a refusal."""

    state: str
    request: VerificationRequest | None

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def reason(self) -> str:
        return self.request.reason if self.state == REFUSED and self.request else ""

    @property
    def pending(self) -> bool:
        return self.state == REQUESTED


def _state(membership: Membership, latest: VerificationRequest | None) -> MemberVerification:
    if membership.verified_at is not None:
        return MemberVerification(VERIFIED, latest)
    if latest is not None and latest.state == VerificationState.PENDING:
        return MemberVerification(REQUESTED, latest)
    if latest is not None and latest.state == VerificationState.REFUSED:
        return MemberVerification(REFUSED, latest)
    # Never asked, withdrawn, or verified once and changed since (changed data needs verifying again).
    return MemberVerification(NOT_REQUESTED, latest)


def latest_requests(membership_ids: Iterable[int]) -> dict[int, VerificationRequest]:
    """The newest request of each membership (one query for a page of the register)."""
    latest: dict[int, VerificationRequest] = {}
    rows = VerificationRequest.objects.filter(membership_id__in=list(membership_ids)).order_by(
        "membership_id", "-requested_at", "-id"
    )
    for request in rows:
        latest.setdefault(request.membership_id, request)
    return latest


def with_verification(memberships: Iterable[Membership]) -> list[Membership]:
    """``memberships`` each with ``.verification`` (a :class:`MemberVerification`) set."""
    rows = list(memberships)
    latest = latest_requests(m.pk for m in rows)
    for m in rows:
        m.verification = _state(m, latest.get(m.pk))  # type: ignore[attr-defined]
    return rows


def verification_of(membership: Membership) -> MemberVerification:
    return _state(membership, latest_requests([membership.pk]).get(membership.pk))


def queue(user: Actor, *, cooperative_id: int | None = None) -> QuerySet[VerificationRequest]:
    """Pending requests the user may decide (SUPERVISE: their province), oldest first."""
    pending = VerificationRequest.objects.filter(state=VerificationState.PENDING)
    if cooperative_id is not None:
        pending = pending.filter(cooperative_id=cooperative_id)
    return (
        scope(pending, user, Action.SUPERVISE)
        .select_related("membership__person", "cooperative", "requested_by")
        .order_by("requested_at", "id")
    )


def pending_count(cooperative: Cooperative) -> int:
    """Requests of ``cooperative`` awaiting the provincial office (the caller has reached it)."""
    return VerificationRequest.objects.filter(cooperative=cooperative, state=VerificationState.PENDING).count()


def queue_cooperatives(user: Actor) -> QuerySet[Cooperative]:
    """The cooperatives with pending requests in the user's queue (the queue's filter)."""
    pending = scope(VerificationRequest.objects.filter(state=VerificationState.PENDING), user, Action.SUPERVISE)
    return Cooperative.objects.filter(pk__in=pending.values("cooperative_id")).order_by("name_key", "pk")


def request_for(user: Actor, pk: object, action: Action = Action.SUPERVISE) -> VerificationRequest:
    """One request the user may reach for ``action`` (404 out of reach, 403 seen but not allowed)."""
    queryset = VerificationRequest.objects.select_related(
        "membership__person", "cooperative", "requested_by", "decided_by"
    )
    return get_or_404(user, queryset, action, pk=pk)


def batch_of(cooperative: Cooperative, pk: int | str) -> VerificationBatch:
    """One verification batch of ``cooperative`` (404 otherwise)."""
    found = VerificationBatch.objects.filter(cooperative=cooperative, pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise Http404
    return found


def running_batch(cooperative: Cooperative) -> VerificationBatch | None:
    return VerificationBatch.objects.filter(cooperative=cooperative, finished_at__isnull=True).order_by("-pk").first()


@dataclass(frozen=True)
class PersonCheck:
    """What the supervisor checks a request against: the person's data and what is wrong with it."""

    national_code_valid: bool
    has_birth_date: bool
    has_mobile: bool
    other_memberships: int

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.national_code_valid:
            found.append(str(_("The national code's check digit is wrong.")))
        if not self.has_birth_date:
            found.append(str(_("No birth date is recorded.")))
        if not self.has_mobile:
            found.append(str(_("No mobile number is recorded.")))
        return found


def person_check(request: VerificationRequest) -> PersonCheck:
    person = request.membership.person
    return PersonCheck(
        national_code_valid=is_valid_national_code(person.national_code),
        has_birth_date=person.birth_date is not None,
        has_mobile=bool(person.mobile),
        other_memberships=Membership.objects.filter(person=person).exclude(pk=request.membership_id).count(),
    )


@dataclass(frozen=True)
class Awaiting:
    """Members awaiting verification for a home page: how many, and the oldest few requests."""

    count: int
    requests: list[VerificationRequest]


def members_awaiting_verification(user: Actor, *, limit: int = 10) -> Awaiting:
    """Pending requests the user has authority over: a supervisor's to decide (their province), an
    officer's awaiting the office (their cooperatives); oldest first. Nothing for other roles."""
    if not has_any_scope(user, Action.AUTHORITY):
        return Awaiting(0, [])
    pending = scope(VerificationRequest.objects.filter(state=VerificationState.PENDING), user, Action.AUTHORITY)
    rows = list(pending.select_related("membership__person", "cooperative").order_by("requested_at", "id")[:limit])
    return Awaiting(pending.count() if len(rows) == limit else len(rows), rows)
