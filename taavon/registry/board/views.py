"""The page on which the cooperative's officer (or the provincial office) records the board's
first meeting. Thin: reach through ``cooperative_for``, the write in :mod:`.services`."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from taavon.accounts.scoping import Action, can

from .. import selectors as registry_selectors
from ..models import BoardMeeting
from . import selectors, services
from .forms import BoardMeetingForm

_ACCESS_MESSAGES: dict[str, Callable[[], str]] = {
    BoardMeeting.OfficerAccess.GRANTED: lambda: _("The new managing director can now act as the cooperative's officer."),
    BoardMeeting.OfficerAccess.PENDING: lambda: _(
        "The new managing director has no official account yet: an administrator creates it to give them officer access."
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def record_meeting(request, pk):
    coop = registry_selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    detail = reverse("registry:detail", args=[coop.pk]) + "#governance"
    board = selectors.current_board(coop)
    done = selectors.meeting_of_term(coop, board)
    if board is None or done is not None:
        return render(
            request, "registry/board/meeting.html",
            {"cooperative": coop, "board": board, "meeting": done, "form": None, "cancel_url": detail},
        )
    form = BoardMeetingForm(request.POST if request.method == "POST" else None, board=board)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.record_board_meeting(actor=request.user, cooperative=coop, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The board's first meeting was recorded: its officers and managing director are on the register."))
            if meeting.officer_access in _ACCESS_MESSAGES:
                messages.info(request, _ACCESS_MESSAGES[meeting.officer_access]())
            if not can(request.user, Action.VIEW, coop):
                # A former managing director's officer access ended with the meeting.
                return redirect("core:home")
            return redirect(detail)
    return render(
        request,
        "registry/board/meeting.html",
        {
            "cooperative": coop,
            "board": board,
            "form": form,
            "quorum": services.quorum_required(len(board.seats)),
            "cancel_url": detail,
        },
        status=422 if form.errors else 200,
    )
