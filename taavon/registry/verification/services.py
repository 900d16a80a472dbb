"""Every write of member verification, each in one transaction and audited.

The officer (MANAGE on the cooperative) asks for members singly or in bulk and may withdraw a
pending request; the provincial office (SUPERVISE) verifies or refuses each request, a refusal
with its reason. Who may call what is decided by the caller through :mod:`taavon.accounts.scoping`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taavon.accounts.scoping import authenticated_user
from taavon.audit.services import record, snapshot
from taavon.jobs.queue import enqueue

from ..models import (
    Cooperative,
    Membership,
    MembershipStatus,
    VerificationBatch,
    VerificationRequest,
    VerificationState,
)
from ..services import MEMBERSHIP_AUDIT_FIELDS

if TYPE_CHECKING:
    from taavon.accounts.scoping import Actor

#: A request for at most this many members is written in the officer's own request; a larger one
#: is a background job with progress, so a request for a large cooperative answers at once.
INLINE_LIMIT = 2_000
#: Members asked for by one job of a large request: one short transaction each.
CHUNK = 5_000
#: Members an officer may select at once (a page of the register, or a list sent to the API).
SELECTION_LIMIT = 1_000
REASON_MAX_LENGTH = 1_000

PENDING = VerificationState.PENDING


class AlreadyDecided(Exception):
    """Someone else decided or withdrew the request first; ``current`` is it as it now stands."""

    def __init__(self, current: VerificationRequest):
        super().__init__(current.state)
        self.current = current


@dataclass(frozen=True)
class BulkResult:
    """What a bulk request did: how many members were asked for now, or the batch doing it."""

    requested: int
    batch: VerificationBatch | None = None


def _nothing_to_request() -> ValidationError:
    return ValidationError(
        _("No member to ask for: the members are already verified, have left, or await the provincial office."),
        code="nothing_to_request",
    )


def _insert_pending(
    *,
    cooperative_id: int,
    user_id: int | None,
    batch_id: int | None,
    after_id: int = 0,
    through_id: int | None = None,
    ids: list[int] | None = None,
) -> int:
    """Ask for every member of the cooperative with membership id in ``(after_id, through_id]`` (and
    in ``ids`` when given) who is still in it, unverified and not already asked for: one
    ``INSERT … SELECT``, so 100,000 members cost one statement. The number of requests written."""
    quote = connection.ops.quote_name
    requests, memberships = quote(VerificationRequest._meta.db_table), quote(Membership._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    where = ["m.cooperative_id = %s", "m.verified_at IS NULL", "m.status <> %s", "m.id > %s"]
    params: list = [batch_id, user_id, now, PENDING, cooperative_id, MembershipStatus.LEFT.value, after_id]
    if through_id is not None:
        where.append("m.id <= %s")
        params.append(through_id)
    if ids is not None:
        where.append("m.id IN (" + ", ".join(["%s"] * len(ids)) + ")")
        params.extend(ids)
    params.append(PENDING)
    sql = (
        f"INSERT INTO {requests} (cooperative_id, membership_id, batch_id, requested_by_id, requested_at, state, reason) "
        f"SELECT m.cooperative_id, m.id, %s, %s, %s, %s, '' FROM {memberships} m WHERE "
        + " AND ".join(where)
        + f" AND NOT EXISTS (SELECT 1 FROM {requests} r WHERE r.membership_id = m.id AND r.state = %s)"
        # A single request committed meanwhile is no error: that member is asked for already.
        " ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _askable(cooperative_id: int):
    return (
        Membership.objects.filter(cooperative_id=cooperative_id, verified_at__isnull=True)
        .exclude(status=MembershipStatus.LEFT)
        .exclude(verification_requests__state=PENDING)
    )


@transaction.atomic
def request_verification(*, actor: Actor, membership: Membership) -> VerificationRequest:
    """Ask the provincial office to verify one member (again, after a refusal and a correction)."""
    m = Membership.objects.select_for_update().select_related("cooperative", "person").get(pk=membership.pk)
    if m.status == MembershipStatus.LEFT:
        raise ValidationError(_("A member who has left cannot be verified."), code="left")
    if m.verified_at is not None:
        raise ValidationError(_("This member is already verified."), code="already_verified")
    request = VerificationRequest(
        cooperative_id=m.cooperative_id,
        membership=m,
        requested_by=authenticated_user(actor),
        requested_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            _("This member already awaits the provincial office."), code="already_requested"
        ) from None
    record(
        actor, "verification.request", request, after={"membership": m.pk, "person": str(m.person), "state": PENDING}
    )
    return request


@transaction.atomic
def request_verifications(
    *, actor: Actor, cooperative: Cooperative, membership_ids: list[int] | None = None
) -> BulkResult:
    """Ask for the selected members (``membership_ids``), or for every member not yet verified.

    Members who left, are verified or already await the office are skipped. Up to
    :data:`INLINE_LIMIT` members are asked for at once; more become a :class:`VerificationBatch`
    that a background job works through :data:`CHUNK` members at a time.
    """
    user = authenticated_user(actor)
    if membership_ids is not None:
        ids = sorted({int(i) for i in membership_ids})
        if not ids:
            raise ValidationError({"membership_ids": [_("Select at least one member.")]}, code="required")
        if len(ids) > SELECTION_LIMIT:
            raise ValidationError(
                {
                    "membership_ids": [
                        _("Select at most %(limit)s members, or ask for every unverified member.")
                        % {"limit": SELECTION_LIMIT}
                    ]
                },
                code="too_many",
            )
        count = _insert_pending(cooperative_id=cooperative.pk, user_id=user.pk if user else None, batch_id=None, ids=ids)
        if not count:
            raise _nothing_to_request()
        record(actor, "verification.request_many", cooperative, after={"requested": count, "selected": len(ids)})
        return BulkResult(count)
    total = _askable(cooperative.pk).count()
    if not total:
        raise _nothing_to_request()
    if total <= INLINE_LIMIT:
        count = _insert_pending(cooperative_id=cooperative.pk, user_id=user.pk if user else None, batch_id=None)
        record(actor, "verification.request_many", cooperative, after={"requested": count, "all_unverified": True})
        return BulkResult(count)
    batch = VerificationBatch.objects.create(cooperative=cooperative, requested_by=user, total=total)
    record(
        actor,
        "verification.request_many",
        cooperative,
        after={"members": total, "batch": batch.pk, "all_unverified": True},
    )
    enqueue("registry.verification.request_batch", batch_id=batch.pk)
    return BulkResult(0, batch)


def advance_batch(batch_id: int) -> bool:
    """Ask for the next :data:`CHUNK` members of a batch (in the caller's transaction, a job's);
    True when more remain. Rerunning a chunk asks for nobody twice."""
    batch = VerificationBatch.objects.select_for_update().filter(pk=batch_id, finished_at__isnull=True).first()
    if batch is None:
        return False
    left_to_scan = (
        Membership.objects.filter(cooperative_id=batch.cooperative_id, pk__gt=batch.after_id, verified_at__isnull=True)
        .exclude(status=MembershipStatus.LEFT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    bound = list(left_to_scan[CHUNK - 1 : CHUNK])
    through_id = bound[0] if bound else None
    written = _insert_pending(
        cooperative_id=batch.cooperative_id,
        user_id=batch.requested_by_id,
        batch_id=batch.pk,
        after_id=batch.after_id,
        through_id=through_id,
    )
    batch.requested += written
    if through_id is None:
        batch.done, batch.finished_at = batch.total, timezone.now()
    else:
        batch.done, batch.after_id = min(batch.total, batch.done + CHUNK), through_id
    batch.save(update_fields=["requested", "done", "after_id", "finished_at"])
    return batch.finished_at is None


def _claim(request: VerificationRequest, state: str, *, user, reason: str = "") -> VerificationRequest:
    """Move a pending request to ``state``, or raise :class:`AlreadyDecided`: one conditional
    ``UPDATE``, so of two supervisors deciding at once exactly one wins on every database."""
    now = timezone.now()
    fields = {"state": state, "decided_by": user, "decided_at": now, "reason": reason}
    if not VerificationRequest.objects.filter(pk=request.pk, state=PENDING).update(**fields):
        raise AlreadyDecided(VerificationRequest.objects.get(pk=request.pk))
    return VerificationRequest.objects.select_related("membership__person", "cooperative").get(pk=request.pk)


@transaction.atomic
def verify(*, actor: Actor, request: VerificationRequest) -> VerificationRequest:
    """The provincial office confirms the member's data as it now stands."""
    user = authenticated_user(actor)
    decided = _claim(request, VerificationState.VERIFIED, user=user)
    m = Membership.objects.select_for_update().select_related("person", "cooperative").get(pk=decided.membership_id)
    if m.status == MembershipStatus.LEFT:
        raise ValidationError(
            _("This member has left the cooperative since the request: refuse it instead."), code="left"
        )
    before = snapshot(m, MEMBERSHIP_AUDIT_FIELDS)
    if m.verified_at is None:
        m.verified_at, m.verified_by = decided.decided_at, user
        m.save(update_fields=["verified_at", "verified_by"])
    record(actor, "verification.verify", m, before=before, after=snapshot(m, MEMBERSHIP_AUDIT_FIELDS))
    return decided


@transaction.atomic
def refuse(*, actor: Actor, request: VerificationRequest, reason: str) -> VerificationRequest:
    """The provincial office refuses, saying why, so the officer can fix the data and ask again."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            {
                "reason": [
                    ValidationError(
                        _("Say why you refuse: the officer needs the reason to fix the data."), code="required"
                    )
                ]
            }
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    ValidationError(
                        _("Enter at most %(limit)s characters."), code="max_length", params={"limit": REASON_MAX_LENGTH}
                    )
                ]
            }
        )
    decided = _claim(request, VerificationState.REFUSED, user=authenticated_user(actor), reason=reason)
    record(
        actor,
        "verification.refuse",
        decided,
        before={"state": PENDING},
        after={"state": decided.state, "reason": reason},
    )
    return decided


@transaction.atomic
def withdraw(*, actor: Actor, request: VerificationRequest) -> VerificationRequest:
    """The officer takes back a request the office has not decided yet."""
    decided = _claim(request, VerificationState.WITHDRAWN, user=authenticated_user(actor))
    record(actor, "verification.withdraw", decided, before={"state": PENDING}, after={"state": decided.state})
    return decided
