"""What a member and an officer have to do next about general assemblies: the home page's panels
(``settings.HOME_PANELS``) and the member's "My assemblies" list.

Reads only. Everything listed comes through the reach layer: a member's assemblies are
``reach.participant_assemblies`` (on the roll or holding a live proxy), an officer's are
``scoping.scope(..., Action.MANAGE)``; nothing here decides reach of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taavon.accounts.models import Role
from taavon.accounts.scoping import Action, scope
from taavon.core.home import NextAction, Panel
from taavon.core.templatetags.taavon_format import fadigits, jdatetime_filter

from ..convening import services as convening
from ..models import (
    Assembly,
    AssemblyMode,
    AssemblyState,
    ItemState,
    Minutes,
    MinutesState,
    PresidingMember,
    Proxy,
    ProxyState,
    VoteRecord,
)
from ..reach import participant_assemblies
from ..session import services as attendance
from ..voting import services as voting

# Bounds: a home page lists what needs doing now, not every assembly a person ever attended.
LIVE_LIMIT = 10
RECEIPT_LIMIT = 5
OFFICER_LIMIT = 8
ACTIVE_STATES = (AssemblyState.NOTICED, AssemblyState.IN_SESSION)
ENDED_STATES = (AssemblyState.CLOSED, AssemblyState.NO_QUORUM, AssemblyState.CANCELLED)


def _time(value: datetime.datetime) -> str:
    return fadigits(timezone.localtime(value).strftime("%H:%M"))


def _url(name: str, *args: Any) -> str:
    return reverse(f"assemblies:{name}", args=args)


# --------------------------------------------------------------------------- the member


def _person_id(user: Any) -> int | None:
    return getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None


def _presence_action(assembly: Assembly, person_id: int, today: datetime.date) -> NextAction | None:
    """Check in (today's or an open session), or say when check-in opens; None when not today."""
    starts_today = timezone.localtime(assembly.starts_at).date() == today
    if assembly.state == AssemblyState.NOTICED and not starts_today:
        return None
    session = _url("session", assembly.pk)
    title, at = assembly.title, _time(assembly.starts_at)
    if attendance.is_present(assembly, person_id):
        if assembly.state == AssemblyState.IN_SESSION:
            return None  # present: the vote is the next thing, if any
        return NextAction(
            kind="checked_in", url=session, when=assembly.starts_at,
            text=_("You are checked in to «%(title)s», which starts at %(time)s.") % {"title": title, "time": at},
        )
    online = assembly.mode != AssemblyMode.IN_PERSON
    if assembly.state == AssemblyState.IN_SESSION:
        text = _("«%(title)s» is in session: check in.") % {"title": title}
    else:
        text = _("Your assembly «%(title)s» is today at %(time)s: check in.") % {"title": title, "time": at}
    if not online:
        text = _("Your assembly «%(title)s» is today at %(time)s, in person: the secretary checks you in at %(place)s.") % {
            "title": title, "time": at, "place": assembly.location or _("the venue"),
        }
        return NextAction(kind="attend", url=session, when=assembly.starts_at, text=text, urgent=True)
    if attendance.check_in_is_open(assembly):
        return NextAction(
            kind="check_in", url=session, when=assembly.starts_at, text=text, urgent=True,
            post_url=_url("check_in", assembly.pk), post_label=_("Check in"),
        )
    opens = assembly.starts_at - attendance.CHECK_IN_OPENS_BEFORE
    return NextAction(
        kind="check_in_later", url=session, when=assembly.starts_at,
        text=_("Your assembly «%(title)s» is today at %(time)s: check-in opens at %(opens)s.") % {
            "title": title, "time": at, "opens": _time(opens),
        },
    )


def _vote_action(assembly: Assembly, person: Any) -> NextAction | None:
    """Voting open on an item and a ballot of the person's still to cast."""
    item = voting.open_item_of(assembly)
    if item is None or not attendance.is_present(assembly, person.pk):
        return None
    item.assembly = assembly
    owed = [slot for slot in voting.ballot_slots(item, person) if not slot["voted"]]
    if not owed:
        return None
    return NextAction(
        kind="vote", url=_url("ballot", assembly.pk), urgent=True, count=len(owed),
        text=_("Voting is open on «%(item)s» (%(title)s): cast your ballot.") % {"item": item.title, "title": assembly.title},
    )


def _upcoming_action(assembly: Assembly) -> NextAction:
    return NextAction(
        kind="upcoming", url=_url("session", assembly.pk), when=assembly.starts_at,
        text=_("«%(title)s» on %(date)s: read the notice and agenda; if you cannot attend, give your proxy.") % {
            "title": assembly.title, "date": jdatetime_filter(assembly.starts_at),
        },
    )


def member_actions(user: Any) -> list[NextAction]:
    """A member's next actions: check in today, vote, proxies awaiting confirmation, minutes to
    approve, then upcoming assemblies and the receipts of their votes."""
    person_id = _person_id(user)
    if not person_id:
        return []
    person = user.person
    today = timezone.localdate()
    live = list(
        participant_assemblies(user).filter(state__in=ACTIVE_STATES).order_by("starts_at", "pk")[:LIVE_LIMIT]
    )
    now_actions: list[NextAction] = []
    later: list[NextAction] = []
    for assembly in live:
        if assembly.state == AssemblyState.IN_SESSION:
            vote = _vote_action(assembly, person)
            if vote:
                now_actions.append(vote)
        presence = _presence_action(assembly, person_id, today)
        if presence:
            now_actions.append(presence)
        elif assembly.state == AssemblyState.NOTICED:
            later.append(_upcoming_action(assembly))
    pending = (
        Proxy.objects.filter(assembly__in=[a.pk for a in live], holder_id=person_id, state=ProxyState.PENDING)
        .select_related("principal__person", "assembly")
        .order_by("created_at")
    )
    for proxy in pending:
        now_actions.append(NextAction(
            kind="proxy_pending", url=_url("session", proxy.assembly_id),
            text=_("%(name)s gave you their proxy for «%(title)s»: it awaits the cooperative's confirmation.") % {
                "name": proxy.principal.person.full_name, "title": proxy.assembly.title,
            },
        ))
    presiding = PresidingMember.objects.filter(person_id=person_id).values("assembly_id")
    for minutes in (
        Minutes.objects.filter(state=MinutesState.DRAFT, assembly_id__in=presiding)
        .exclude(approvals__person_id=person_id)
        .select_related("assembly")[:LIVE_LIMIT]
    ):
        now_actions.append(NextAction(
            kind="minutes_to_approve", url=_url("minutes", minutes.assembly_id), urgent=True,
            text=_("The minutes of «%(title)s» await your approval.") % {"title": minutes.assembly.title},
        ))
    return now_actions + later + receipt_actions(user)


def receipt_actions(user: Any) -> list[NextAction]:
    """The closed items the member voted on: where to check their receipt against the board.

    The receipt code itself is shown once at casting and never stored: the check needs the code
    the member kept (copied, saved as a file or received by SMS).
    """
    person_id = _person_id(user)
    if not person_id:
        return []
    voted = (
        VoteRecord.objects.filter(roll_entry__person_id=person_id, item__state=ItemState.CLOSED)
        .values_list("item_id", "item__title", "item__assembly_id", "item__assembly__title", "item__closed_at")
        .order_by("-item__closed_at")
        .distinct()[:RECEIPT_LIMIT]
    )
    return [
        NextAction(
            kind="receipt", url=_url("receipt", assembly_id, item_id), when=closed_at,
            text=_("You voted on «%(item)s» (%(title)s): check your receipt on the bulletin board.") % {
                "item": item_title, "title": assembly_title,
            },
        )
        for item_id, item_title, assembly_id, assembly_title, closed_at in voted
    ]


def member_panel(user: Any) -> Panel | None:
    if not _person_id(user):
        return None
    return Panel(
        key="member.assemblies", role=Role.MEMBER.value, title=_("My assemblies"), actions=member_actions(user),
        empty=_("No general assembly needs anything from you now."),
        link=reverse("assemblies:mine"), link_label=_("All my assemblies"),
    )


@dataclass
class MyAssembly:
    assembly: Assembly
    todo: str
    url: str


def my_assemblies(user: Any) -> dict[str, list[MyAssembly]]:
    """The member's assemblies by phase (upcoming, in session, ended), each with what to do in it."""
    groups: dict[str, list[MyAssembly]] = {"in_session": [], "upcoming": [], "ended": []}
    person_id = _person_id(user)
    if not person_id:
        return groups
    rows = participant_assemblies(user).select_related("cooperative").order_by("-starts_at", "-pk")
    minutes_of = dict(Minutes.objects.filter(assembly__in=rows).values_list("assembly_id", "state"))
    for a in rows:
        if a.state == AssemblyState.IN_SESSION:
            present = attendance.is_present(a, person_id)
            todo = _("Vote on the open item.") if present and voting.open_item_of(a) else (
                _("Follow the session; vote when an item opens.") if present else _("Check in to take part and vote.")
            )
            groups["in_session"].append(MyAssembly(a, todo, _url("ballot" if present else "session", a.pk)))
        elif a.state in ENDED_STATES:
            state = minutes_of.get(a.pk)
            if a.state == AssemblyState.CLOSED and state and state != MinutesState.DRAFT:
                todo, url = _("Read the minutes and check your receipts."), _url("minutes", a.pk)
            elif a.state == AssemblyState.CLOSED:
                todo, url = _("The minutes are being prepared; check your receipts on the results."), _url("items", a.pk)
            else:
                todo, url = a.get_state_display(), _url("detail", a.pk)
            groups["ended"].append(MyAssembly(a, str(todo), url))
        else:
            groups["upcoming"].insert(0, MyAssembly(
                a, _("Read the notice and agenda; check in on the day, or give your proxy."), _url("session", a.pk)
            ))
    return groups


# --------------------------------------------------------------------------- the officer


def _managed(user: Any):
    return scope(Assembly.objects.all(), user, Action.MANAGE)


def officer_actions(user: Any) -> list[NextAction]:
    """An officer's next actions on the assemblies of their cooperatives: drafts and what blocks
    them, proxies to confirm, assemblies coming up, a second call to convene, minutes to submit."""
    actions: list[NextAction] = []
    managed = _managed(user)
    for draft in managed.filter(state=AssemblyState.DRAFT).order_by("starts_at", "pk")[:OFFICER_LIMIT]:
        blocking = [f for f in convening.check_convening(draft) if f.blocking]
        if blocking:
            text = ngettext(
                "Draft «%(title)s»: %(n)s problem stops the notice: %(first)s",
                "Draft «%(title)s»: %(n)s problems stop the notice: %(first)s",
                len(blocking),
            ) % {
                "title": draft.title, "n": fadigits(len(blocking)), "first": blocking[0].message,
            }
        else:
            text = _("Draft «%(title)s» passes the legal checks: publish its notice.") % {"title": draft.title}
        actions.append(NextAction(
            kind="draft", url=_url("detail", draft.pk), when=draft.starts_at, count=len(blocking), urgent=bool(blocking),
            text=text,
        ))
    for assembly in managed.filter(state=AssemblyState.NOTICED).order_by("starts_at", "pk")[:OFFICER_LIMIT]:
        pending = assembly.proxies.filter(state=ProxyState.PENDING).count()
        if pending:
            actions.append(NextAction(
                kind="proxies_to_confirm", url=_url("control", assembly.pk) + "#proxies", count=pending, urgent=True,
                text=ngettext(
                    "«%(title)s»: %(n)s proxy awaits your confirmation.",
                    "«%(title)s»: %(n)s proxies await your confirmation.",
                    pending,
                ) % {
                    "title": assembly.title, "n": fadigits(pending),
                },
            ))
        actions.append(NextAction(
            kind="deadline", url=_url("detail", assembly.pk), when=assembly.starts_at,
            text=_("«%(title)s» meets on %(date)s.") % {"title": assembly.title, "date": jdatetime_filter(assembly.starts_at)},
        ))
    for first in managed.filter(state=AssemblyState.NO_QUORUM, call_number=1, second_call__isnull=True)[:OFFICER_LIMIT]:
        actions.append(NextAction(
            kind="second_call", url=_url("second_call", first.pk), urgent=True,
            text=_("«%(title)s» had no quorum: convene the second call.") % {"title": first.title},
        ))
    minutes = (
        scope(Minutes.objects.all(), user, Action.MANAGE)
        .filter(Q(state=MinutesState.APPROVED) | Q(state=MinutesState.RETURNED) | Q(state=MinutesState.DRAFT))
        .select_related("assembly")
        .order_by("drafted_at")[:OFFICER_LIMIT]
    )
    for m in minutes:
        if m.state == MinutesState.DRAFT:
            text = _("The minutes of «%(title)s» await the presiding board's approval.") % {"title": m.assembly.title}
        elif m.state == MinutesState.APPROVED:
            text = _("The minutes of «%(title)s» are approved: submit them for registration.") % {"title": m.assembly.title}
        else:
            text = _("The minutes of «%(title)s» were returned by the provincial office: read the reason.") % {
                "title": m.assembly.title,
            }
        actions.append(NextAction(
            kind=f"minutes_{m.state}", url=_url("minutes", m.assembly_id), urgent=m.state != MinutesState.DRAFT, text=text,
        ))
    return actions


def officer_panel(user: Any) -> Panel | None:
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.OFFICER):
        return None
    return Panel(
        key="officer.assemblies", role=Role.OFFICER.value, title=_("General assemblies of your cooperatives"),
        actions=officer_actions(user), empty=_("No assembly needs your action now."),
    )


def supervisor_panel(user: Any) -> Panel | None:
    """The provincial office: minutes awaiting registration in their province."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.SUPERVISOR):
        return None
    waiting = scope(Minutes.objects.all(), user, Action.SUPERVISE).filter(state=MinutesState.SUBMITTED).count()
    actions = []
    if waiting:
        actions.append(NextAction(
            kind="minutes_to_register", url=_url("minutes_queue"), count=waiting, urgent=True,
            text=ngettext(
                "%(n)s assembly's minutes await registration.", "%(n)s assemblies' minutes await registration.", waiting
            ) % {"n": fadigits(waiting)},
        ))
    return Panel(
        key="supervisor.minutes", role=Role.SUPERVISOR.value, title=_("Minutes of general assemblies"),
        actions=actions, empty=_("No minutes await registration."),
    )

