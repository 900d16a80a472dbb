"""The minutes API under ``/api/v1/assemblies``: read the minutes (JSON and PDF), draft them,
approve them with a one-time code, submit, register or return them, notify the decisions.

The same services as the pages (:mod:`.minutes`). Reach is checked when the caller is
authenticated, before the body is read: 404 for an assembly the caller may not see (or whose
minutes do not exist yet), 403 when they may see it but not do this (a member approving who is not
on the presiding board, an officer registering); 409 with the rule's message when the minutes' or the
assembly's state refuses (not approved yet, already submitted), 422 when what was sent is wrong.
"""

from datetime import date, datetime

from django.conf import settings
from django.http import HttpResponse
from ninja import Router, Schema

from taavon.accounts import auth
from taavon.accounts.scoping import Action
from taavon.core.api_errors import state_conflicts

from ..models import Assembly, Minutes, MinutesState
from . import pdf
from . import services as service

router = Router()

# Refusals by the minutes' or the assembly's state (409), and a registry that refuses the result.
state_conflicts(
    "not_closed", "minutes_approved", "not_draft", "already_approved", "not_approved", "not_submitted",
    "already_notified", "registry_update",
)


# --------------------------------------------------------------------------- reach


def reach(action: Action = Action.VIEW) -> list:
    """Both ways in, finding the minutes of the assembly in the path (``request.minutes``) for ``action``."""
    return auth.reach(Minutes, action, kwarg="assembly_id", lookup="assembly_id")


# --------------------------------------------------------------------------- schemas


class ApprovalOut(Schema):
    person_id: int
    name: str
    role: str
    approved_at: datetime | None


class ChannelCounts(Schema):
    queued: int
    sent: int
    failed: int


class DecisionsOut(Schema):
    deadline: date | None
    days: int
    citation: str
    notified_at: datetime | None
    met: bool | None
    overdue: bool
    recipients: int
    sms: ChannelCounts
    email: ChannelCounts


class MinutesOut(Schema):
    assembly_id: int
    state: MinutesState
    state_label: str
    drafted_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    return_reason: str
    decisions_notified_at: datetime | None
    content: dict
    approvals: list[ApprovalOut]
    decisions: DecisionsOut


class CodeSentOut(Schema):
    sent: bool
    expires_at: datetime
    demo_code: str | None = None


class CodeIn(Schema):
    code: str


class SubmitIn(Schema):
    note: str = ""


class ReturnIn(Schema):
    reason: str = ""


def _out(minutes) -> dict:
    minutes.refresh_from_db()
    return {
        "assembly_id": minutes.assembly_id,
        "state": minutes.state,
        "state_label": minutes.get_state_display(),
        "drafted_at": minutes.drafted_at,
        "submitted_at": minutes.submitted_at,
        "reviewed_at": minutes.reviewed_at,
        "return_reason": minutes.return_reason,
        "decisions_notified_at": minutes.decisions_notified_at,
        "content": minutes.content,
        "approvals": service.approvals_table(minutes),
        "decisions": service.decisions_status(minutes),
    }


# --------------------------------------------------------------------------- operations


@router.get(
    "/{int:assembly_id}/minutes",
    response=MinutesOut,
    auth=reach(),
    summary="The minutes: state, content drafted from the event log, approvals, decisions notice",
)
def get_minutes(request, assembly_id: int):
    return _out(request.minutes)


@router.get("/{int:assembly_id}/minutes.pdf", auth=reach(), summary="The minutes as PDF (A4, Persian)")
def get_minutes_pdf(request, assembly_id: int):
    response = HttpResponse(pdf.render_pdf(request.minutes), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.pdf_filename(request.minutes)}"'
    return response


@router.post(
    "/{int:assembly_id}/minutes/draft",
    response=MinutesOut,
    auth=auth.reach(Assembly, Action.RUN),
    summary="Draft (or re-draft, while not approved) the minutes of a closed assembly",
)
def draft(request, assembly_id: int):
    return _out(service.draft_minutes(request.assembly, actor=request.auth))


@router.post(
    "/{int:assembly_id}/minutes/approval-code",
    response=CodeSentOut,
    auth=reach(Action.APPROVE),
    summary="Send me (a presiding board member) the one-time code that signs my approval",
)
def approval_code(request, assembly_id: int):
    result = service.request_approval_code(actor=request.auth, minutes=request.minutes)
    return {
        "sent": True,
        "expires_at": result.expires_at,
        "demo_code": result.demo_code if settings.TAAVON_DEMO else None,
    }


@router.post(
    "/{int:assembly_id}/minutes/approve",
    response=MinutesOut,
    auth=reach(Action.APPROVE),
    summary="Approve the minutes with the one-time code sent to my mobile",
)
def approve(request, assembly_id: int, payload: CodeIn):
    return _out(service.approve(actor=request.auth, minutes=request.minutes, code=payload.code))


@router.post(
    "/{int:assembly_id}/minutes/submit",
    response=MinutesOut,
    auth=reach(Action.MANAGE),
    summary="Submit approved (or returned and corrected) minutes to the provincial office",
)
def submit(request, assembly_id: int, payload: SubmitIn):
    return _out(service.submit(actor=request.auth, minutes=request.minutes, note=payload.note))


@router.post(
    "/{int:assembly_id}/minutes/register",
    response=MinutesOut,
    auth=reach(Action.SUPERVISE),
    summary="Register submitted minutes; elected board members and inspectors go on the registry",
)
def register(request, assembly_id: int):
    return _out(service.register(actor=request.auth, minutes=request.minutes))


@router.post(
    "/{int:assembly_id}/minutes/return",
    response=MinutesOut,
    auth=reach(Action.SUPERVISE),
    summary="Return submitted minutes to the cooperative with a reason",
)
def return_minutes(request, assembly_id: int, payload: ReturnIn):
    return _out(service.return_minutes(actor=request.auth, minutes=request.minutes, reason=payload.reason))


@router.post(
    "/{int:assembly_id}/minutes/notify-decisions",
    response=MinutesOut,
    auth=reach(Action.AUTHORITY),
    summary="Notify every member on the roll of the decisions (SMS, and e-mail where known)",
)
def notify_decisions(request, assembly_id: int):
    return _out(service.notify_decisions(actor=request.auth, assembly=request.minutes.assembly))
