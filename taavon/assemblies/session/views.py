"""The session pages: the member's assembly page (check in, proxies, live attendance) and the
officer's session control (opening with the presiding board, the proxy queue, the secretary's
check-in, adjourning, closing). Thin: the forms (:mod:`.forms`) only parse what is typed; reads
and writes go through :mod:`.services` (imported as ``attendance``; national codes are looked up
there, as for the API) and :mod:`.proxies`; errors are flattened by :mod:`taavon.core.errors`;
reach is decided by :mod:`taavon.accounts.scoping`.

Reach: the member page is for people taking part (on the roll or holding a live proxy) and for
officials whose scope reaches the cooperative; anyone else gets 404. The control page is for
whoever may run the assembly (``Action.RUN``); someone who may only see it gets 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from taavon import rules
from taavon.accounts.scoping import Action, has_authority, may
from taavon.core.confirm import confirm_page, confirmed
from taavon.core.errors import add_to_form, message_list
from taavon.core.templatetags.taavon_format import fadigits

from ..models import AssemblyMode, AssemblyState, ItemState, Proxy, ProxyState
from ..reach import assembly_for
from . import proxies
from . import services as attendance
from .forms import CheckInForm, DecideForm, OpenSessionForm, ProxyForm

# --------------------------------------------------------------------------- reach



def _session_url(assembly) -> str:
    return reverse("assemblies:session", args=[assembly.pk])


def _control_url(assembly) -> str:
    return reverse("assemblies:control", args=[assembly.pk])


# --------------------------------------------------------------------------- the member's page


def _with_notes(rows):
    rows = list(rows)
    for proxy in rows:
        proxy.reason_shown = proxies.proxy_note(proxy)
    return rows


def _attendance_context(assembly) -> dict:
    quorum = attendance.live_quorum(assembly) if assembly.rules else None  # shown, not decided on
    return {
        "assembly": assembly,
        "quorum": quorum,
        "quorum_rule_cite": rules.cite(attendance.quorum_rule_key(assembly)) if assembly.rules else "",
        # Before the start nobody is expected to be present: "not reached" would only alarm.
        "quorum_due": timezone.now() >= assembly.starts_at,
        "ws_path": f"/ws/assemblies/{assembly.pk}/",
    }


def _member_context(request, assembly, **extra) -> dict:
    user = request.user
    person_id = user.person_id
    entry = attendance.roll_entry_of(assembly, person_id)
    given = _with_notes(proxies.proxies_given_by(assembly, person_id)) if entry else []
    held = _with_notes(proxies.proxies_held_by(assembly, person_id)) if person_id else []
    live_given = next((p for p in given if p.state in attendance.LIVE_PROXY_STATES), None)
    holds_live = any(p.state in attendance.LIVE_PROXY_STATES for p in held)
    checked_in = attendance.check_in_of(assembly, person_id) if entry else None
    presence = attendance.holder_presence_of(assembly, person_id) if not entry and held else None
    window_open = attendance.check_in_is_open(assembly)
    online = assembly.mode != AssemblyMode.IN_PERSON
    context = {
        **_attendance_context(assembly),
        "entry": entry,
        "checked_in": checked_in,
        "presence": presence,
        "given": given,
        "held": held,
        "live_given": live_given,
        "may_check_in": online and window_open and ((entry and not checked_in) or (not entry and holds_live and not presence)),
        "check_in_window_open": window_open,
        "online_check_in": online,
        "holds_live": holds_live,
        "may_give": bool(entry) and assembly.state == AssemblyState.NOTICED and not checked_in and not live_given
        and not holds_live,
        "may_revoke": assembly.state == AssemblyState.NOTICED,
        "ballots_owed": len(proxies.ballots_owed(assembly, person_id)) if person_id else 0,
        "proxy_cap": rules.value("assembly.proxies_per_holder", snapshot=assembly.rules),
        "non_member_cap": rules.value("assembly.non_member_proxy_votes", snapshot=assembly.rules),
        "proxy_cap_cite": rules.cite("assembly.proxies_per_holder"),
        "can_run": may(user, Action.RUN, assembly),
        "proxy_form": ProxyForm(),
        "errors": [],
    }
    context.update(extra)
    return context


def _member_page(request, assembly, *, status=200, **extra):
    return render(request, "assemblies/session/member.html", _member_context(request, assembly, **extra), status=status)


@login_required
@require_GET
def session(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id)
    return _member_page(request, assembly)


@login_required
@require_GET
def attendance_panel(request, assembly_id):
    """The attendance and quorum panel alone: what the page polls when the socket is down."""
    assembly = assembly_for(request.user, assembly_id)
    return render(request, "assemblies/session/_attendance.html", _attendance_context(assembly))


@login_required
@require_POST
def check_in(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id)
    try:
        attendance.check_in_self(actor=request.user, assembly=assembly)
    except ValidationError as exc:
        return _member_page(request, assembly, status=422, errors=message_list(exc))
    messages.success(request, _("You are checked in. Your presence counts towards the quorum."))
    return redirect(_session_url(assembly))


@login_required
@require_POST
def proxy_give(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id)
    if attendance.roll_entry_of(assembly, request.user.person_id) is None:
        raise PermissionDenied
    form = ProxyForm(request.POST)
    if form.is_valid():
        try:
            proxies.give_proxy(
                actor=request.user,
                assembly=assembly,
                holder_national_code=form.cleaned_data["national_code"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                mobile=form.cleaned_data["mobile"],
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Your proxy was recorded. It counts once the cooperative confirms it."))
            return redirect(_session_url(assembly))
    return _member_page(request, assembly, status=422, proxy_form=form)


@login_required
@require_POST
def proxy_revoke(request, assembly_id, proxy_id):
    assembly = assembly_for(request.user, assembly_id)
    proxy = get_object_or_404(Proxy, pk=proxy_id, assembly=assembly, principal__person_id=request.user.person_id or 0)
    try:
        proxies.revoke_proxy(actor=request.user, proxy=proxy)
    except ValidationError as exc:
        return _member_page(request, assembly, status=422, errors=message_list(exc))
    messages.success(request, _("Your proxy was revoked."))
    return redirect(_session_url(assembly))


# --------------------------------------------------------------------------- the control page


def _control_context(request, assembly, **extra) -> dict:
    user = request.user
    decides = has_authority(user, assembly)
    quorum_context = _attendance_context(assembly)
    context = {
        **quorum_context,
        "board": assembly.presiding_board.select_related("person").order_by("role", "id"),
        "pending": _with_notes(proxies.pending_proxies(assembly)) if decides else [],
        "decides": decides,
        "confirmed_count": assembly.proxies.filter(state=ProxyState.CONFIRMED).count(),
        "open_items": assembly.items.filter(state=ItemState.OPEN),
        "may_open": assembly.state == AssemblyState.NOTICED,
        "started": timezone.now() >= assembly.starts_at,
        "may_close": assembly.state == AssemblyState.IN_SESSION,
        "close_consequence": close_consequence(quorum_context["quorum"])
        if assembly.state == AssemblyState.IN_SESSION and quorum_context["quorum"] else "",
        "secretary_check_in": assembly.mode != AssemblyMode.ELECTRONIC
        and attendance.check_in_is_open(assembly),
        "open_form": OpenSessionForm(),
        "check_in_form": CheckInForm(),
        "errors": [],
        "no_quorum": None,
    }
    context.update(extra)
    return context


def _control_page(request, assembly, *, status=200, **extra):
    return render(request, "assemblies/session/control.html", _control_context(request, assembly, **extra), status=status)


@login_required
@require_GET
def control(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id, Action.RUN)
    return _control_page(request, assembly)


@login_required
@require_POST
def open_session(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id, Action.RUN)
    form = OpenSessionForm(request.POST)
    if form.is_valid():
        # Every unknown code is shown at once; an observer's error names the code (the field holds several).
        chosen = {}
        for field in ("chair", "secretary"):
            try:
                chosen[field] = attendance.person_on_roll(assembly, form.cleaned_data[field], field=field)
            except ValidationError as exc:
                add_to_form(form, exc)
        observers = []
        for code in form.cleaned_data["observers"]:
            try:
                observers.append(attendance.person_on_roll(assembly, code, field="observers"))
            except ValidationError:
                form.add_error("observers", _("%(code)s is not on the voter roll.") % {"code": code})
        if not form.errors:
            try:
                attendance.open_session(
                    actor=request.user, assembly=assembly, chair=chosen["chair"], secretary=chosen["secretary"],
                    observers=observers,
                )
            except ValidationError as exc:
                no_quorum = getattr(exc, "code", None) == "no_quorum"
                add_to_form(form, exc)
                return _control_page(request, assembly, status=422, open_form=form, no_quorum=no_quorum)
            messages.success(request, _("The session is open."))
            return redirect(_control_url(assembly))
    return _control_page(request, assembly, status=422, open_form=form)


def _session_step(request, assembly_id, step, done: str):
    """A step of the session that needs no form (``step(actor=, assembly=)``): back to the control
    page with ``done``, or the page again with the rule's message (422)."""
    assembly = assembly_for(request.user, assembly_id, Action.RUN)
    try:
        step(actor=request.user, assembly=assembly)
    except ValidationError as exc:
        return _control_page(request, assembly, status=422, errors=message_list(exc))
    messages.success(request, done)
    return redirect(_control_url(assembly))


@login_required
@require_POST
def adjourn(request, assembly_id):
    return _session_step(
        request,
        assembly_id,
        attendance.adjourn_for_no_quorum,
        _("The assembly was adjourned for want of quorum. A second call may now be convened."),
    )


def close_consequence(quorum) -> str:
    """What ending the session means, with the attendance now."""
    return _(
        "%(present)s of the %(roll)s members on the roll are present, %(represented)s more by proxy. Ending the "
        "session records this as the final attendance: nobody can check in or vote in it afterwards, and the "
        "minutes are drafted from its log."
    ) % {"present": fadigits(quorum.present), "roll": fadigits(quorum.roll), "represented": fadigits(quorum.represented)}


@login_required
@require_POST
def close_session(request, assembly_id):
    if not confirmed(request):
        # Asked first (no JavaScript, or a bare post): the question as a page; the session stays open.
        assembly = assembly_for(request.user, assembly_id, Action.RUN)
        if assembly.state != AssemblyState.IN_SESSION:
            return _session_step(request, assembly_id, attendance.close_session, _("The session is closed."))
        return confirm_page(
            request,
            title=_("End the session of “%(title)s”?") % {"title": assembly.title},
            consequence=close_consequence(attendance.live_quorum(assembly, fresh=True)),
            action=reverse("assemblies:close_session", args=[assembly.pk]),
            label=_("Close the session"),
            cancel_url=_control_url(assembly),
        )
    return _session_step(request, assembly_id, attendance.close_session, _("The session is closed."))


@login_required
@require_POST
def secretary_check_in(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id, Action.RUN)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            person, _row, _as_holder = attendance.check_in_by_code(
                actor=request.user, assembly=assembly, national_code=form.cleaned_data["national_code"]
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("%(name)s is checked in.") % {"name": person.full_name})
            return redirect(_control_url(assembly))
    return _control_page(request, assembly, status=422, check_in_form=form)


@login_required
@require_POST
def proxy_decide(request, assembly_id, proxy_id):
    assembly = assembly_for(request.user, assembly_id, Action.AUTHORITY)
    proxy = get_object_or_404(Proxy, pk=proxy_id, assembly=assembly)
    form = DecideForm(request.POST)
    errors = []
    if form.is_valid():
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            proxies.decide_proxy(
                actor=request.user, proxy=proxy, confirm=confirm,
                reason=form.cleaned_data["reason"], identity_checked=form.cleaned_data["identity_checked"],
            )
        except ValidationError as exc:
            errors = message_list(exc)
        else:
            messages.success(request, _("The proxy was confirmed.") if confirm else _("The proxy was refused."))
            return redirect(_control_url(assembly) + "#proxies")
    else:
        errors = [_("Choose to confirm or to refuse the proxy.")]
    return _control_page(request, assembly, status=422, errors=errors)
