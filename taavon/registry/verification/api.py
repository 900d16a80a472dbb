"""Member verification over HTTP: the same services and selectors as the pages.

The officer's steps hang off the cooperative (``/api/v1/cooperatives/{id}/…``, MANAGE); the
provincial office's queue and decisions are ``/api/v1/verification-requests`` (SUPERVISE). A
decision someone else made first answers 409 with the request as it stands in ``detail``.
"""

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from taavon.accounts import auth
from taavon.accounts.scoping import Action
from taavon.core import api_errors
from taavon.core.api_errors import ErrorOut
from taavon.core.identifiers import is_valid_national_code
from taavon.core.pagination import LimitOffset

from .. import selectors as registry_selectors
from ..models import Cooperative, VerificationRequest, VerificationState
from . import selectors, services

router = Router()
queue_router = Router()

RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RequestIn(Schema):
    """Either ``membership_ids`` (at most 1,000) or ``all_unverified``."""

    membership_ids: list[RowId] | None = Field(None, max_length=services.SELECTION_LIMIT)
    all_unverified: bool = False


class BatchOut(Schema):
    id: int
    total: int
    done: int
    requested: int
    finished: bool

    @staticmethod
    def resolve_finished(obj):
        return obj.finished_at is not None


class RequestedOut(Schema):
    requested: int
    batch: BatchOut | None


class VerificationOut(Schema):
    """Where a member's verification stands: not_requested, requested, verified or refused."""

    membership_id: int
    state: str
    state_label: str
    reason: str
    request_id: int | None


class RequestOut(Schema):
    id: int
    cooperative_id: int
    cooperative_name: str = Field(..., alias="cooperative.name")
    membership_id: int
    national_code: str = Field(..., alias="membership.person.national_code")
    national_code_valid: bool
    first_name: str = Field(..., alias="membership.person.first_name")
    last_name: str = Field(..., alias="membership.person.last_name")
    birth_date: datetime.date | None = Field(..., alias="membership.person.birth_date")
    mobile: str = Field(..., alias="membership.person.mobile")
    requested_at: datetime.datetime
    state: str
    decided_at: datetime.datetime | None
    reason: str

    @staticmethod
    def resolve_national_code_valid(obj):
        return is_valid_national_code(obj.membership.person.national_code)


class RefuseIn(Schema):
    reason: str = Field("", max_length=services.REASON_MAX_LENGTH * 2)


class QueueFilters(Schema):
    cooperative_id: RowId | None = None


def _verification(membership) -> dict:
    found = selectors.verification_of(membership)
    return {
        "membership_id": membership.pk,
        "state": found.state,
        "state_label": found.label,
        "reason": found.reason,
        "request_id": found.request.pk if found.request else None,
    }


# --------------------------------------------------------------------------- the officer


@router.post(
    "/{int:cooperative_id}/verification-requests",
    response={201: RequestedOut},
    auth=auth.reach(Cooperative, Action.MANAGE),
    summary="Ask the provincial office to verify members",
)
def request_many(request, cooperative_id: int, payload: RequestIn):
    """The selected members, or every member not yet verified; more than 2,000 members are asked for
    by a background job whose progress ``batch`` reports (GET …/verification-batches/{id})."""
    if payload.all_unverified == (payload.membership_ids is not None):
        raise ValidationError({"__all__": [_("Send either membership_ids or all_unverified, not both.")]})
    result = services.request_verifications(
        actor=request.auth, cooperative=request.cooperative, membership_ids=payload.membership_ids
    )
    return Status(201, {"requested": result.requested, "batch": result.batch})


@router.get(
    "/{int:cooperative_id}/verification-batches/{int:verification_batch_id}",
    response=BatchOut,
    auth=auth.reach(Cooperative, Action.AUTHORITY),
    summary="The progress of a large verification request",
)
def get_batch(request, cooperative_id: int, verification_batch_id: int):
    return selectors.batch_of(request.cooperative, verification_batch_id)


@router.get(
    "/{int:cooperative_id}/members/{int:membership_id}/verification",
    response=VerificationOut,
    auth=auth.reach(Cooperative, Action.VIEW),
    summary="Where a member's verification stands",
)
def get_verification(request, cooperative_id: int, membership_id: int):
    return _verification(registry_selectors.membership_of(request.cooperative, membership_id))


@router.post(
    "/{int:cooperative_id}/members/{int:membership_id}/verification",
    response={201: VerificationOut},
    auth=auth.reach(Cooperative, Action.MANAGE),
    summary="Ask the provincial office to verify one member (again after a refusal)",
)
def request_one(request, cooperative_id: int, membership_id: int):
    membership = registry_selectors.membership_of(request.cooperative, membership_id)
    services.request_verification(actor=request.auth, membership=membership)
    return Status(201, _verification(membership))


@router.post(
    "/{int:cooperative_id}/members/{int:membership_id}/verification/withdraw",
    response={200: VerificationOut, 409: ErrorOut},
    auth=auth.reach(Cooperative, Action.MANAGE),
    summary="Withdraw a request the provincial office has not decided",
)
def withdraw(request, cooperative_id: int, membership_id: int):
    membership = registry_selectors.membership_of(request.cooperative, membership_id)
    pending = VerificationRequest.objects.filter(membership=membership, state=VerificationState.PENDING).first()
    if pending is None:
        raise Http404
    try:
        services.withdraw(actor=request.auth, request=pending)
    except services.AlreadyDecided as exc:
        return Status(409, _conflict(exc))
    return _verification(membership)


# --------------------------------------------------------------------------- the provincial office


def _conflict(exc: services.AlreadyDecided) -> dict:
    message = _("Someone decided this request first: it is now “%(state)s”.") % {"state": exc.current.get_state_display()}
    return api_errors.body(api_errors.detail_for(409), [api_errors.error(None, "already_decided", message)])


@queue_router.get(
    "",
    response=list[RequestOut],
    auth=auth.reach(VerificationRequest, Action.SUPERVISE, kwarg="request_id"),
    summary="Requests awaiting your decision, oldest first",
)
@paginate(LimitOffset)
def list_queue(request, filters: Query[QueueFilters]):
    return selectors.queue(request.auth, cooperative_id=filters.cooperative_id)


@queue_router.get(
    "/{int:request_id}",
    response=RequestOut,
    auth=auth.reach(VerificationRequest, Action.SUPERVISE, kwarg="request_id"),
    summary="One request with the person's data",
)
def get_request(request, request_id: int):
    return request.verificationrequest


@queue_router.post(
    "/{int:request_id}/verify",
    response={200: RequestOut, 409: ErrorOut},
    auth=auth.reach(VerificationRequest, Action.SUPERVISE, kwarg="request_id"),
    summary="Verify the member's data",
)
def verify(request, request_id: int):
    try:
        return services.verify(actor=request.auth, request=request.verificationrequest)
    except services.AlreadyDecided as exc:
        return Status(409, _conflict(exc))


@queue_router.post(
    "/{int:request_id}/refuse",
    response={200: RequestOut, 409: ErrorOut},
    auth=auth.reach(VerificationRequest, Action.SUPERVISE, kwarg="request_id"),
    summary="Refuse, with the reason (required)",
)
def refuse(request, request_id: int, payload: RefuseIn):
    try:
        return services.refuse(actor=request.auth, request=request.verificationrequest, reason=payload.reason)
    except services.AlreadyDecided as exc:
        return Status(409, _conflict(exc))
