"""Reads of the board's first meeting: the board in office, whether its first meeting is due, the
meeting that organised it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from ..models import PRINCIPAL_BOARD_ROLES, BoardMeeting, Cooperative, Position, PositionRole

OFFICER_ROLES = (PositionRole.CHAIR, PositionRole.VICE_CHAIR, PositionRole.SECRETARY)


@dataclass
class Board:
    """The principal board members in office, with the board's term.

    The term is the seats' own: officers assigned at the first meeting start on its date but end
    with the board, so the board's term is its earliest start and its latest end.
    """

    seats: list[Position] = field(default_factory=list)
    term_start: datetime.date = datetime.date.min
    term_end: datetime.date = datetime.date.min

    @property
    def has_officers(self) -> bool:
        return any(p.role in OFFICER_ROLES for p in self.seats)


@dataclass(frozen=True)
class BoardMeetingDue:
    """A board in office whose first meeting is not recorded: since when, and how many members."""

    since: datetime.date
    seats: int


def current_board(cooperative: Cooperative) -> Board | None:
    """The principal board members in office (not ended), or None when there are none."""
    seats = list(
        Position.objects.filter(cooperative=cooperative, ended_on__isnull=True, role__in=PRINCIPAL_BOARD_ROLES)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    if not seats:
        return None
    return Board(
        seats=seats, term_start=min(p.term_start for p in seats), term_end=max(p.term_end for p in seats)
    )


def meeting_of_term(cooperative: Cooperative, board: Board | None) -> BoardMeeting | None:
    """The recorded first meeting of ``board`` (matched by the end of its term), if any."""
    if board is None:
        return None
    return (
        BoardMeeting.objects.filter(cooperative=cooperative, term_end=board.term_end)
        .prefetch_related("assignments__person", "present")
        .first()
    )


def board_meeting_due(cooperative: Cooperative) -> BoardMeetingDue | None:
    """Whether the board in office still has to record its first meeting (None: nothing due).

    Due while a board is seated with no chair, vice-chair or secretary among its members and no
    first meeting recorded for its term: what registering an election leaves behind.
    """
    board = current_board(cooperative)
    if board is None or board.has_officers or meeting_of_term(cooperative, board) is not None:
        return None
    return BoardMeetingDue(since=board.term_start, seats=len(board.seats))


def meetings_of(cooperative: Cooperative):
    """The cooperative's recorded board meetings, newest first, with their assignments."""
    return BoardMeeting.objects.filter(cooperative=cooperative).prefetch_related("assignments__person", "present")
