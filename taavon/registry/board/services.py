"""Recording the board's first meeting: the board assigns its chair, vice-chair and secretary and
appoints the managing director.

Registering an election seats every elected principal member as «board member»; the offices are
the board's own decision, taken at its first meeting. :func:`record_board_meeting` writes that
decision in one transaction: the meeting and its assignments, the positions it ends and starts
(each audited by the registry's position services) and one audit record of the meeting, and keeps
officer access in step with the managing directorship (see :func:`_follow_managing_director`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from fractions import Fraction
from math import ceil

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.accounts.models import Role, RoleGrant, User
from taavon.accounts.scoping import Actor, authenticated_user
from taavon.audit.services import record, snapshot
from taavon.core.identifiers import clean_national_code

from .. import rules_checks
from .. import services as registry
from ..models import BoardAssignment, BoardMeeting, Cooperative, Person, PositionRole
from .selectors import current_board, meeting_of_term

# The label RoleGrant.position carries for the managing director's officer access (as the demo's).
MD_GRANT_POSITION = PositionRole.MANAGING_DIRECTOR.value
GRANT_AUDIT_FIELDS = ["user", "role", "cooperative", "province", "bank_code", "position"]


def quorum_required(seats: int, on: datetime.date | None = None) -> int:
    """Principal members who must be present for a board of ``seats`` to decide (board.meeting_quorum)."""
    spec = rules.get("board.meeting_quorum", on)
    if spec == "half_plus_one":
        return seats // 2 + 1
    # An administrator may set a share instead ("2/3": at least two thirds).
    return max(1, ceil(seats * Fraction(str(spec))))


def _code(errors: registry._Errors, field: str, value: str) -> str:
    if not (value or "").strip():
        errors.add(field, _("Enter a national code."), "required")
        return ""
    try:
        return clean_national_code(value)
    except ValidationError as exc:
        errors.add(field, " ".join(exc.messages), "invalid")
        return ""


@transaction.atomic
def record_board_meeting(
    *,
    actor: Actor,
    cooperative: Cooperative,
    held_on: datetime.date,
    present: Iterable[str],
    chair: str,
    vice_chair: str,
    secretary: str,
    managing_director: str,
    md_first_name: str = "",
    md_last_name: str = "",
    md_mobile: str = "",
    note: str = "",
) -> BoardMeeting:
    """Record the first meeting of the board now in office (people by national code).

    Refused: no board in office, a meeting already recorded for this term, a date in the future or
    before the board's term, fewer present than board.meeting_quorum, someone present who is not
    a principal board member, a chair, vice-chair or secretary who is not a principal board member
    or holds two offices, a chair as managing director (board.chair_may_be_managing_director).
    The officers' terms end with the board's; the managing director's too.
    """
    coop = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    board = current_board(coop)
    errors = registry._Errors()
    if board is None:
        raise ValidationError(_("No board is in office: register the board's election first."), code="no_board")
    if meeting_of_term(coop, board) is not None:
        raise ValidationError(
            _("The first meeting of this board is already recorded."), code="already_recorded"
        )
    seated = {p.person.national_code: p for p in board.seats}
    if held_on is None:
        errors.add("held_on", _("Enter the date of the meeting."), "required")
    elif held_on > registry._today():
        errors.add("held_on", _("The meeting date cannot be in the future."), "future")
    elif held_on < board.term_start:
        errors.add(
            "held_on", _("The meeting cannot be before the board's term starts."), "before_term"
        )

    present_codes: list[str] = []
    for raw in present or []:
        code = _code(errors, "present", raw)
        if code and code not in present_codes:
            present_codes.append(code)
    outsiders = [c for c in present_codes if c not in seated]
    if outsiders:
        errors.add(
            "present",
            _("Only principal board members count towards the quorum: %(codes)s is not one."),
            "not_board_member",
            {"codes": "، ".join(outsiders)},
        )
    required = quorum_required(len(seated), held_on)
    counted = len(present_codes) - len(outsiders)
    if counted < required:
        errors.add(
            "present",
            _("The meeting has no quorum: %(present)s of %(seats)s board members were present, %(required)s are needed (%(rule)s)."),
            "no_quorum",
            {"present": counted, "seats": len(seated), "required": required, "rule": rules.cite("board.meeting_quorum")},
        )

    officers: dict[str, str] = {}
    for field, role, value in (
        ("chair", PositionRole.CHAIR, chair),
        ("vice_chair", PositionRole.VICE_CHAIR, vice_chair),
        ("secretary", PositionRole.SECRETARY, secretary),
    ):
        code = _code(errors, field, value)
        if not code:
            continue
        if code not in seated:
            errors.add(
                field,
                _("The %(role)s must be a principal member of the board in office."),
                "not_board_member",
                {"role": role.label},
            )
        elif code in officers.values():
            errors.add(field, _("One board member cannot hold two offices of the board."), "two_offices")
        else:
            officers[role] = code

    md_code = _code(errors, "managing_director", managing_director)
    if (
        md_code
        and md_code == officers.get(PositionRole.CHAIR)
        and not rules.get("board.chair_may_be_managing_director", held_on)
    ):
        errors.add(
            "managing_director",
            _("The chair of the board cannot also be the managing director (%(rule)s)."),
            "chair_is_director",
            {"rule": rules.cite("board.chair_may_be_managing_director")},
        )
    errors.raise_if_any()

    meeting = BoardMeeting.objects.create(
        cooperative=coop,
        held_on=held_on,
        term_start=board.term_start,
        term_end=board.term_end,
        seats=len(seated),
        quorum_required=required,
        note=(note or "").strip(),
        recorded_by=authenticated_user(actor),
    )
    meeting.present.set([seated[c].person for c in present_codes])
    assignments = []
    for office, code in officers.items():
        seat = seated[code]
        ended = registry.end_position(actor=actor, position=seat, ended_on=held_on)
        position = registry.add_position(
            actor=actor, cooperative=coop, role=office, person=seat.person, term_start=held_on, term_end=board.term_end
        )
        assignments.append(BoardAssignment(meeting=meeting, role=office, person=seat.person, position=position, ended=ended))

    previous = list(rules_checks.current_positions(coop).filter(role=PositionRole.MANAGING_DIRECTOR).select_related("person"))
    for old in previous:
        registry.end_position(actor=actor, position=old, ended_on=max(held_on, old.term_start))
    try:
        director = registry.add_position(
            actor=actor,
            cooperative=coop,
            role=PositionRole.MANAGING_DIRECTOR,
            national_code=md_code,
            first_name=md_first_name,
            last_name=md_last_name,
            mobile=md_mobile,
            term_start=held_on,
            term_end=board.term_end,
        )
    except ValidationError as exc:
        # The position service names its fields for a lone position; here they are the director's.
        fields = {"national_code": "managing_director", "first_name": "md_first_name", "last_name": "md_last_name", "mobile": "md_mobile"}
        raise ValidationError(
            {fields.get(f, "managing_director"): e for f, e in getattr(exc, "error_dict", {"__all__": exc.error_list}).items()}
        ) from exc
    assignments.append(
        BoardAssignment(
            meeting=meeting,
            role=PositionRole.MANAGING_DIRECTOR,
            person=director.person,
            position=director,
            ended=previous[0] if previous else None,
        )
    )
    BoardAssignment.objects.bulk_create(assignments)
    meeting.officer_access = _follow_managing_director(
        actor, coop, director.person, [p.person for p in previous if p.person_id != director.person_id]
    )
    meeting.save(update_fields=["officer_access"])
    record(
        actor,
        "board_meeting.record",
        meeting,
        after={
            "held_on": held_on,
            "term": [board.term_start, board.term_end],
            "members_present": present_codes,
            "quorum_required": required,
            "offices": {a.role: a.person.national_code for a in assignments},
            "ended_managing_directors": [p.person.national_code for p in previous],
            "officer_access": meeting.officer_access,
        },
        cooperative=coop,
    )
    return meeting


def _account_of(person: Person) -> User | None:
    return User.objects.filter(person=person).first() or User.objects.filter(national_code=person.national_code).first()


def _follow_managing_director(actor: Actor, coop: Cooperative, director: Person, former: list[Person]) -> str:
    """Officer access follows the managing directorship: the grant labelled «managing director»
    on this cooperative is withdrawn from a former director and given to the new one.

    Officials log in with a password, so the new director is granted access only if their account
    has one; otherwise the access is ``pending`` until an administrator creates the official
    account (a grant on a password-less account would lock them out of their member login).
    """
    for person in former:
        account = _account_of(person)
        if account is None:
            continue
        for grant in RoleGrant.objects.filter(
            user=account, role=Role.OFFICER, cooperative=coop, position=MD_GRANT_POSITION
        ):
            record(actor, "grant.delete", grant, before=snapshot(grant, fields=GRANT_AUDIT_FIELDS), cooperative=coop)
            grant.delete()
    account = _account_of(director)
    if account is None or not account.has_usable_password() or not account.is_active:
        return BoardMeeting.OfficerAccess.PENDING
    if RoleGrant.objects.filter(user=account, role=Role.OFFICER, cooperative=coop).exists():
        return BoardMeeting.OfficerAccess.KEPT
    grant = RoleGrant.objects.create(user=account, role=Role.OFFICER, cooperative=coop, position=MD_GRANT_POSITION)
    record(actor, "grant.create", grant, after=snapshot(grant, fields=GRANT_AUDIT_FIELDS), cooperative=coop)
    return BoardMeeting.OfficerAccess.GRANTED
