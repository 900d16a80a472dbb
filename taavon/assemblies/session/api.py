"""The session API under ``/api/v1/assemblies``: proxies, check-in, quorum, opening and closing.

The same services as the pages (:mod:`.proxies`, :mod:`.services` imported as ``attendance``,
which also looks up the national codes sent). Reach is checked when the caller is authenticated,
before the body is read: 404 for an assembly the caller neither takes part in nor may see, 403
when they may see it but not do this (a member deciding proxies, an analyst checking in); 409
with the rule's message when the assembly's or the proxy's state refuses (check-in closed, quorum not
reached), 422 when what was sent is wrong (a national code not on the roll).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from taavon import rules
from taavon.accounts.auth import reach
from taavon.accounts.scoping import Action
from taavon.core.api_errors import ErrorOut, state_conflicts

from ..models import Assembly, Proxy, ProxyState
from . import proxies
from . import services as attendance

router = Router()

# Refusals by the assembly's or the proxy's state (409); the others are about what was sent (422).
state_conflicts(
    "proxy_closed", "checked_in", "one_proxy", "chain_principal_holds", "not_live", "revoke_closed", "not_pending",
    "decide_closed", "check_in_closed", "already_checked_in", "before_start", "not_noticed", "no_quorum",
    "quorum_reached", "not_in_session", "item_open", "secretary_check_in_electronic", "online_check_in_in_person",
)


# --------------------------------------------------------------------------- schemas


class PersonOut(Schema):
    id: int
    name: str


class ProxyOut(Schema):
    id: int
    state: ProxyState
    principal: PersonOut
    holder: PersonOut
    holder_is_member: bool
    created_at: datetime
    decided_at: datetime | None
    ended_at: datetime | None
    reason: str

    @staticmethod
    def resolve_principal(proxy):
        return {"id": proxy.principal.person_id, "name": proxy.principal.person.full_name}

    @staticmethod
    def resolve_holder(proxy):
        return {"id": proxy.holder_id, "name": proxy.holder.full_name}

    @staticmethod
    def resolve_reason(proxy):
        return proxies.proxy_note(proxy)


class MyProxiesOut(Schema):
    given: list[ProxyOut]
    held: list[ProxyOut]
    checked_in: bool
    present: bool
    ballots_owed: int


class ProxyIn(Schema):
    national_code: str
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""


class ProxyFilters(Schema):
    state: ProxyState = ProxyState.PENDING


class DecisionIn(Schema):
    confirm: bool
    identity_checked: bool = False
    reason: str = ""


class CheckInIn(Schema):
    national_code: str


class CheckInOut(Schema):
    person: PersonOut
    at: datetime
    by_secretary: bool
    as_proxy_holder: bool


class QuorumOut(Schema):
    state: str
    roll: int
    present: int
    represented: int
    votes_present: int
    required: int
    reached: bool
    rule: str
    citation: str


class OpenIn(Schema):
    chair: str
    secretary: str
    observers: list[str] = []


class SessionOut(Schema):
    id: int
    state: str
    opened_at: datetime | None
    closed_at: datetime | None


def _quorum_out(assembly) -> dict:
    if not assembly.rules:
        raise ValidationError(
            _("Attendance is counted once the notice is published and the voter roll is frozen."), code="not_noticed"
        )
    key = attendance.quorum_rule_key(assembly)
    return {
        **attendance.attendance_payload(assembly),
        "rule": key,
        "citation": rules.cite(key),
    }


def _check_in_out(person, row, *, as_holder: bool) -> dict:
    return {
        "person": {"id": person.pk, "name": person.full_name},
        "at": row.at,
        "by_secretary": row.by_secretary,
        "as_proxy_holder": as_holder,
    }


# --------------------------------------------------------------------------- operations


@router.get("/{int:assembly_id}/quorum", response={200: QuorumOut, 409: ErrorOut}, auth=reach(Assembly), summary="Attendance and quorum now")
def quorum(request, assembly_id: int):
    return _quorum_out(request.assembly)


@router.get(
    "/{int:assembly_id}/proxies/mine", response=MyProxiesOut, auth=reach(Assembly, Action.ATTEND),
    summary="The proxies I gave and hold, and my presence",
)
def my_proxies(request, assembly_id: int):
    assembly, person_id = request.assembly, request.auth.person_id
    return {
        "given": list(proxies.proxies_given_by(assembly, person_id)),
        "held": list(proxies.proxies_held_by(assembly, person_id)),
        "checked_in": attendance.check_in_of(assembly, person_id) is not None,
        "present": attendance.is_present(assembly, person_id),
        "ballots_owed": len(proxies.ballots_owed(assembly, person_id)),
    }


@router.get(
    "/{int:assembly_id}/proxies", response=list[ProxyOut], auth=reach(Assembly, Action.AUTHORITY),
    summary="Proxies of the assembly, for the convening authority (pending ones by default)",
)
def list_proxies(request, assembly_id: int, filters: Query[ProxyFilters]):
    return list(
        Proxy.objects.filter(assembly=request.assembly, state=filters.state)
        .select_related("holder", "principal__person")
        .order_by("created_at", "id")
    )


@router.post(
    "/{int:assembly_id}/proxies", response={201: ProxyOut}, auth=reach(Assembly, Action.ON_ROLL),
    summary="Give my proxy to a member on the roll, or to a non-member (with names and mobile)",
)
def give_proxy(request, assembly_id: int, payload: ProxyIn):
    proxy = proxies.give_proxy(
        actor=request.auth, assembly=request.assembly, holder_national_code=payload.national_code,
        first_name=payload.first_name, last_name=payload.last_name, mobile=payload.mobile,
    )
    return Status(201, proxy)


@router.post(
    "/{int:assembly_id}/proxies/{int:proxy_id}/revoke", response=ProxyOut, auth=reach(Assembly, Action.ON_ROLL),
    summary="Revoke my proxy (until the session opens)",
)
def revoke_proxy(request, assembly_id: int, proxy_id: int):
    proxy = get_object_or_404(
        Proxy, pk=proxy_id, assembly=request.assembly, principal__person_id=request.auth.person_id
    )
    return proxies.revoke_proxy(actor=request.auth, proxy=proxy)


@router.post(
    "/{int:assembly_id}/proxies/{int:proxy_id}/decision", response=ProxyOut, auth=reach(Assembly, Action.AUTHORITY),
    summary="Confirm a proxy after the identity check, or refuse it with a reason",
)
def decide_proxy(request, assembly_id: int, proxy_id: int, payload: DecisionIn):
    proxy = get_object_or_404(Proxy, pk=proxy_id, assembly=request.assembly)
    return proxies.decide_proxy(
        actor=request.auth, proxy=proxy, confirm=payload.confirm, reason=payload.reason,
        identity_checked=payload.identity_checked,
    )


@router.post(
    "/{int:assembly_id}/check-in", response={201: CheckInOut}, auth=reach(Assembly, Action.ATTEND),
    summary="Check myself in (a non-member proxy holder joins the session)",
)
def check_in(request, assembly_id: int):
    person, row, as_holder = attendance.check_in_self(actor=request.auth, assembly=request.assembly)
    return Status(201, _check_in_out(person, row, as_holder=as_holder))


@router.post(
    "/{int:assembly_id}/check-ins", response={201: CheckInOut}, auth=reach(Assembly, Action.RUN),
    summary="The secretary checks in a member, or a non-member proxy holder, by national code",
)
def secretary_check_in(request, assembly_id: int, payload: CheckInIn):
    person, row, as_holder = attendance.check_in_by_code(
        actor=request.auth, assembly=request.assembly, national_code=payload.national_code
    )
    return Status(201, _check_in_out(person, row, as_holder=as_holder))


@router.post(
    "/{int:assembly_id}/session/open", response=SessionOut, auth=reach(Assembly, Action.RUN),
    summary="Open the session: quorum check and the presiding board (national codes of members present)",
)
def open_session(request, assembly_id: int, payload: OpenIn):
    return attendance.open_session_by_codes(
        actor=request.auth, assembly=request.assembly, chair=payload.chair, secretary=payload.secretary,
        observers=payload.observers,
    )


@router.post(
    "/{int:assembly_id}/session/adjourn", response=SessionOut, auth=reach(Assembly, Action.RUN),
    summary="Adjourn for want of quorum (then a second call may be convened)",
)
def adjourn(request, assembly_id: int):
    return attendance.adjourn_for_no_quorum(actor=request.auth, assembly=request.assembly)


@router.post(
    "/{int:assembly_id}/session/close", response=SessionOut, auth=reach(Assembly, Action.RUN),
    summary="Close the session (refused while voting on an item is open)",
)
def close_session(request, assembly_id: int):
    return attendance.close_session(actor=request.auth, assembly=request.assembly)
