"""The board's first meeting over HTTP (``/api/v1/cooperatives/{id}/board-meetings``): the same
selectors and service as the page. 404 outside the caller's reach, 403 for a role that may only
read, 422 with messages when the law refuses the meeting."""

import datetime
from typing import Annotated

from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from taavon.accounts import auth
from taavon.accounts.scoping import Action
from taavon.core.api_errors import state_conflicts
from taavon.core.api_inputs import jalali_date

from ..models import BoardMeeting, Cooperative
from . import selectors, services

router = Router()
# The board's present state refuses these (409); every other refusal is about what was sent (422).
state_conflicts("no_board", "already_recorded")


class DueOut(Schema):
    since: datetime.date
    seats: int


class AssignmentOut(Schema):
    role: str
    role_label: str
    name: str
    national_code: str
    position_id: int

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_national_code(obj) -> str:
        return obj.person.national_code


class MeetingOut(Schema):
    id: int
    held_on: datetime.date
    term_start: datetime.date
    term_end: datetime.date
    seats: int
    quorum_required: int
    present: list[str] = Field(description="National codes of the board members present.")
    assignments: list[AssignmentOut]
    officer_access: str = Field(description="granted, kept or pending: the new managing director's officer access.")
    note: str

    @staticmethod
    def resolve_present(obj: BoardMeeting) -> list[str]:
        return sorted(p.national_code for p in obj.present.all())

    @staticmethod
    def resolve_assignments(obj: BoardMeeting) -> list:
        return list(obj.assignments.all())


class BoardMeetingsOut(Schema):
    due: DueOut | None = Field(description="Set while the board in office has not recorded its first meeting.")
    meetings: list[MeetingOut]


class BoardMeetingIn(Schema):
    held_on: datetime.date
    present: list[Annotated[str, Field(max_length=20)]] = Field(
        max_length=50, description="National codes of the principal board members present."
    )
    chair: str = Field(max_length=20)
    vice_chair: str = Field(max_length=20)
    secretary: str = Field(max_length=20)
    managing_director: str = Field(max_length=20, description="National code; a board member or not.")
    md_first_name: str = Field("", max_length=100, description="Only for a managing director new to the register.")
    md_last_name: str = Field("", max_length=100)
    md_mobile: str = Field("", max_length=20)
    note: str = Field("", max_length=2000)

    @field_validator("held_on", mode="before")
    @classmethod
    def _jalali(cls, value):
        return jalali_date(value)



@router.get(
    "/{int:cooperative_id}/board-meetings",
    response=BoardMeetingsOut,
    auth=auth.reach(Cooperative, Action.VIEW),
    summary="The board's first meetings, and whether one is due",
)
def list_meetings(request, cooperative_id: int):
    coop = request.cooperative
    return {"due": selectors.board_meeting_due(coop), "meetings": list(selectors.meetings_of(coop))}


@router.post(
    "/{int:cooperative_id}/board-meetings",
    response={201: MeetingOut},
    auth=auth.reach(Cooperative, Action.AUTHORITY),
    summary="Record the board's first meeting: its officers and the managing director",
)
def record_meeting(request, cooperative_id: int, payload: BoardMeetingIn):
    meeting = services.record_board_meeting(actor=request.auth, cooperative=request.cooperative, **payload.model_dump())
    return Status(201, selectors.meetings_of(request.cooperative).get(pk=meeting.pk))
