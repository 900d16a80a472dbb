"""Convening a general assembly: the draft and its agenda, the legal checks, publishing the
notice (which freezes the voter roll and snapshots the rules), and the second call.

Writes are plain functions with keyword arguments, each in one transaction, each logged to the
assembly's event log (:mod:`.events`) and the audit log. Reads (``assemblies_for_user``,
``public_notices``, ``notice_progress``…) live at the bottom of the module. Every legal number
comes from :mod:`taavon.rules`: the values in force today while the assembly is a draft, the
assembly's own snapshot (``Assembly.rules``) once its notice is published.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

import jdatetime
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.accounts.models import Role
from taavon.accounts.scoping import Action, Actor, acting_user, can, has_authority, scope
from taavon.audit.services import record
from taavon.audit.services import snapshot as audit_snapshot
from taavon.core.jalali import days_in_jalali_month, format_jalali
from taavon.core.persian import language_uses_persian_digits, to_ascii_digits, to_persian_digits
from taavon.core.uploads import discard_on_commit
from taavon.notifications.broadcasts import broadcast
from taavon.registry import selectors as registry_selectors
from taavon.registry.models import Cooperative, Membership, MembershipStatus, Position, PositionRole
from taavon.rules import Severity, Text

from .. import events, law
from ..models import (
    ELECTION_MATTERS,
    EXTRAORDINARY_MATTERS,
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyKind,
    AssemblyMode,
    AssemblyState,
    ItemKind,
    Matter,
    RollEntry,
)
from ..reach import participant_assemblies
from .documents import copy_documents, file_still_used

__all__ = [
    "ConveningReason",
    "assemblies_for_user",
    "assemblies_of",
    "assembly_link",
    "check_convening",
    "convene",
    "convene_second_call",
    "convening_role",
    "delivery_summary",
    "election_defaults",
    "notice_progress",
    "notice_texts",
    "notice_topic",
    "public_notices",
    "publish_notice",
    "quorum_required",
    "update_assembly",
]

# Not a numeric parameter, so not in taavon.rules: the citation shown beside the checks that
# apply the regulation's lists (the matters reserved to an extraordinary assembly, the agenda).
REGULATION = _("Regulation on cooperative general assemblies, 1387")
EDITABLE_FIELDS = ("title", "kind", "mode", "starts_at", "ends_at", "location", "reason")


class ConveningReason(models.TextChoices):
    """Why the provincial office convenes an assembly itself (LAW.md, General assemblies)."""

    BOARD_FAILED = "board_failed", _("The board failed to convene it")
    MEMBERS_REQUEST = "members_request", _("Requested by members or the inspector")
    MINISTRY = "ministry", _("Required by the Ministry")


OFFICER, SUPERVISOR = "officer", "supervisor"
NOTICE_BROADCAST = "assemblies.notice"  # declared in .tasks; queued in the notice's transaction


# --------------------------------------------------------------------------- who may convene


def convening_role(user: Actor, cooperative: Cooperative) -> str:
    """``"officer"`` for the cooperative's own officers, ``"supervisor"`` for the provincial office
    (administrators included: they convene as the supervising authority, giving a reason).

    Raises PermissionDenied for anyone else.
    """
    if can(user, Action.MANAGE, cooperative) and not acting_user(user).has_role(Role.ADMINISTRATOR):
        return OFFICER
    if can(user, Action.SUPERVISE, cooperative):
        return SUPERVISOR
    raise PermissionDenied


def _require_manage(user: Actor, assembly: Assembly) -> None:
    if not has_authority(user, assembly):
        raise PermissionDenied


# --------------------------------------------------------------------------- small helpers


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _jdate(day) -> str:
    return format_jalali(day, persian_digits=language_uses_persian_digits())


def _number(value) -> str:
    return to_persian_digits(value) if language_uses_persian_digits() else str(value)


def notice_topic(assembly: Assembly) -> str:
    """The delivery-log topic of an assembly's notice (``OutboundMessage.topic``)."""
    return f"assembly:{assembly.pk}:notice"


def _state(assembly: Assembly) -> dict:
    data = audit_snapshot(assembly)
    data.pop("rules", None)
    data["agenda"] = [
        {"position": i.position, "title": i.title, "kind": i.kind, "matter": i.matter, "seats": i.seats,
         "alternates": i.alternates}
        for i in assembly.items.order_by("position")
    ]
    return data


# --------------------------------------------------------------------------- the agenda


def election_defaults(cooperative: Cooperative, matter: str) -> tuple[int, int]:
    """(seats, alternates) to elect by default: the cooperative's current body, kept within the law.

    Board: its current principal members within board.size_min..size_max, and its alternates within
    board.alternates_min..alternates_max. Inspectors: the current number, at least one of each.
    """
    current = Position.objects.filter(cooperative=cooperative, ended_on__isnull=True)
    if matter == Matter.BOARD_ELECTION:
        principals = current.filter(
            role__in=[PositionRole.CHAIR, PositionRole.VICE_CHAIR, PositionRole.SECRETARY, PositionRole.BOARD_MEMBER]
        ).count()
        alternates = current.filter(role=PositionRole.ALTERNATE).count()
        seats = min(max(principals, rules.get("board.size_min")), rules.get("board.size_max"))
        spare = min(max(alternates, rules.get("board.alternates_min")), rules.get("board.alternates_max"))
        return seats, spare
    inspectors = current.filter(role=PositionRole.INSPECTOR).count()
    alternates = current.filter(role=PositionRole.ALTERNATE_INSPECTOR).count()
    return max(inspectors, 1), max(alternates, 1)


def _whole(value, default: int) -> int | None:
    """A count typed in any digits; ``default`` when empty, None when not a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(to_ascii_digits(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        return None


def _clean_agenda(cooperative: Cooperative, agenda: Iterable[Mapping]) -> tuple[list[dict], list[str]]:
    """The agenda rows checked and completed (election defaults), with the errors found."""
    items, errors = [], []
    for n, row in enumerate(agenda, start=1):
        title = (row.get("title") or "").strip()
        kind = row.get("kind") or ItemKind.MOTION
        matter = row.get("matter") or (Matter.BOARD_ELECTION if kind == ItemKind.ELECTION else Matter.GENERAL)
        seats, alternates = row.get("seats"), row.get("alternates")
        where = {"n": _number(n)}
        if not title:
            errors.append(gettext("Agenda item %(n)s: enter a title.") % where)
        elif len(title) > (AgendaItem._meta.get_field("title").max_length or 0):
            errors.append(gettext("Agenda item %(n)s: the title is too long.") % where)
        if kind not in ItemKind.values:
            errors.append(gettext("Agenda item %(n)s: choose a motion or an election.") % where)
            continue
        if matter not in Matter.values:
            errors.append(gettext("Agenda item %(n)s: choose what the item decides.") % where)
            continue
        if kind == ItemKind.ELECTION:
            if matter not in ELECTION_MATTERS:
                errors.append(
                    gettext("Agenda item %(n)s: an election elects the board of directors or the inspectors.") % where
                )
                continue
            default_seats, default_alternates = election_defaults(cooperative, matter)
            seats, alternates = _whole(seats, default_seats), _whole(alternates, default_alternates)
            if seats is None or alternates is None:
                errors.append(gettext("Agenda item %(n)s: seats and alternates are whole numbers.") % where)
                continue
            if matter == Matter.BOARD_ELECTION:
                low, high = rules.get("board.size_min"), rules.get("board.size_max")
                if not low <= seats <= high:
                    errors.append(
                        gettext("Agenda item %(n)s: the board has %(low)s to %(high)s principal members, not %(seats)s (%(rule)s).")
                        % {**where, "low": _number(low), "high": _number(high), "seats": _number(seats),
                           "rule": rules.cite("board.size_max")}
                    )
                most = rules.get("board.alternates_max")
                if alternates > most:
                    errors.append(
                        gettext("Agenda item %(n)s: at most %(most)s alternate board members (%(rule)s).")
                        % {**where, "most": _number(most), "rule": rules.cite("board.alternates_max")}
                    )
            elif seats < 1:
                errors.append(gettext("Agenda item %(n)s: elect at least one inspector.") % where)
            if alternates < 0:
                errors.append(gettext("Agenda item %(n)s: the number of alternates cannot be negative.") % where)
        else:
            if matter in ELECTION_MATTERS:
                errors.append(gettext("Agenda item %(n)s: an election matter needs an election item.") % where)
                continue
            seats = alternates = 0
        items.append(
            {"title": title, "kind": kind, "matter": matter, "seats": seats, "alternates": alternates,
             "description": (row.get("description") or "").strip()}
        )
    return items, errors


def _write_agenda(assembly: Assembly, items: list[dict]) -> None:
    AgendaItem.objects.bulk_create(AgendaItem(assembly=assembly, position=n, **item) for n, item in enumerate(items, 1))


def _rewrite_agenda(assembly: Assembly, items: list[dict]) -> None:
    """Replace a draft's agenda, keeping the rows of items still on it, so their documents stay.

    An item keeps its row when a new row has its title (wherever it moved), else the row at its
    position; the rows left over go, with their documents (and their files, once committed).
    """
    existing = list(assembly.items.order_by("position"))
    chosen: list[AgendaItem | None] = [None] * len(items)
    free = {i.pk: i for i in existing}
    for n, row in enumerate(items):
        match = next((i for i in existing if i.pk in free and i.title == row["title"]), None)
        if match is not None:
            chosen[n] = free.pop(match.pk)
    for n in range(len(items)):
        if chosen[n] is None and n < len(existing) and existing[n].pk in free:
            chosen[n] = free.pop(existing[n].pk)
    dropped = list(free)
    names = list(AgendaDocument.objects.filter(item_id__in=dropped).values_list("file", flat=True))
    AgendaItem.objects.filter(pk__in=dropped).delete()
    kept = [i for i in chosen if i is not None]
    # Out of the way first: (assembly, position) is unique while rows change places.
    AgendaItem.objects.filter(pk__in=[i.pk for i in kept]).update(position=models.F("position") + 1000)
    for n, (row, item) in enumerate(zip(items, chosen, strict=True), start=1):
        if item is None:
            AgendaItem.objects.create(assembly=assembly, position=n, **row)
            continue
        for field, value in row.items():
            setattr(item, field, value)
        item.position = n
        item.save(update_fields=[*row, "position"])
    for name in names:
        discard_on_commit(default_storage, name, still_used=lambda name=name: file_still_used(name))


def _clean_times(starts_at, ends_at, errors: dict) -> None:
    if starts_at is None or ends_at is None:
        errors.setdefault("starts_at", []).append(gettext("Enter when the assembly starts and ends."))
        return
    if starts_at <= timezone.now():
        errors.setdefault("starts_at", []).append(gettext("The assembly must start in the future."))
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(gettext("The assembly must end after it starts."))


def _fiscal_year_end(cooperative: Cooperative, year: int) -> datetime.date:
    """The last day of the cooperative's fiscal year that ends in Jalali ``year``."""
    month = cooperative.fiscal_year_end_month
    return jdatetime.date(year, month, days_in_jalali_month(year, month)).togregorian()


def _fiscal_year_before(cooperative: Cooperative, day: datetime.date) -> int:
    """The Jalali year in which the last fiscal year ended before ``day`` ends."""
    year = jdatetime.date.fromgregorian(date=day).year
    return year if _fiscal_year_end(cooperative, year) < day else year - 1


def _annual_deadline(fiscal_end: datetime.date, months: int) -> datetime.date:
    """The last day of the Jalali month ``months`` after the fiscal year end."""
    j = jdatetime.date.fromgregorian(date=fiscal_end)
    index = j.month - 1 + months
    year, month = j.year + index // 12, index % 12 + 1
    return jdatetime.date(year, month, days_in_jalali_month(year, month)).togregorian()


# --------------------------------------------------------------------------- checks



# Numbers and dates in a finding's message are shown in the digits of whoever reads it.
_lazy_number = lazy(_number, str)
_lazy_jdate = lazy(_jdate, str)


def _finding(key, title, ok, message: Text, citation=None, *, blocking=True) -> rules.Finding:
    """A finding of ``key``: a failed blocking check stops the notice; a failed other one warns."""
    return rules.Finding(
        key=key,
        code=key,
        severity=Severity.ERROR if blocking else Severity.WARNING,
        passed=ok,
        msgid=message.msgid,
        params=message.params,
        title_msgid=title,
        cite_as=citation,
    )


def _check_agenda(assembly: Assembly, items: list[AgendaItem]) -> rules.Finding:
    if items:
        message = Text(gettext_noop("%(count)s items on the agenda."), {"count": _lazy_number(len(items))})
    else:
        message = Text(gettext_noop("The agenda is empty: add at least one item."))
    return _finding("agenda", gettext_noop("Agenda"), bool(items), message, REGULATION)


def _notice_days(published: datetime.date, meeting: datetime.date, window) -> tuple[bool, Text]:
    low, high = window
    days = (meeting - published).days
    figures = {"days": _lazy_number(days), "low": _lazy_number(low), "high": _lazy_number(high)}
    if days < low:
        return False, Text(gettext_noop(
            "%(days)s days from the notice to the meeting: at least %(low)s are required. Move the meeting later."
        ), figures)
    if days > high:
        return False, Text(gettext_noop(
            "%(days)s days from the notice to the meeting: at most %(high)s are allowed. Publish the notice later or move the meeting earlier."
        ), figures)
    return True, Text(gettext_noop("%(days)s days from the notice to the meeting: within %(low)s to %(high)s days."), figures)


def _window_key(items: list[AgendaItem]) -> str:
    has_election = any(i.kind == ItemKind.ELECTION for i in items)
    return "assembly.notice_days_with_elections" if has_election else "assembly.notice_days"


def _check_notice_window(assembly: Assembly, items: list[AgendaItem]) -> rules.Finding:
    key = _window_key(items)
    published = _local_date(assembly.notice_published_at) if assembly.notice_published_at else timezone.localdate()
    ok, message = _notice_days(published, _local_date(assembly.starts_at), rules.value(key, snapshot=assembly.rules))
    if not assembly.notice_published_at:
        message = Text(gettext_noop("If the notice is published today: %(message)s"), {"message": message})
    title = gettext_noop("Notice window, elections on the agenda") if key.endswith("with_elections") else gettext_noop("Notice window")
    return _finding(key, title, ok, message)


def _check_matters(assembly: Assembly, items: list[AgendaItem]) -> rules.Finding:
    title = gettext_noop("Matters reserved to an extraordinary assembly")
    if assembly.kind == AssemblyKind.EXTRAORDINARY:
        return _finding("extraordinary_matters", title, True,
                        Text(gettext_noop("An extraordinary assembly may decide these matters.")), REGULATION)
    reserved = [i for i in items if i.matter in EXTRAORDINARY_MATTERS]
    if not reserved:
        return _finding("extraordinary_matters", title, True,
                        Text(gettext_noop("No agenda item is reserved to an extraordinary assembly.")), REGULATION)
    names = lazy(lambda: "، ".join(f"«{i.title}» ({i.get_matter_display()})" for i in reserved), str)()
    message = Text(gettext_noop(
        "%(items)s can only be decided by an extraordinary general assembly: convene one, or remove the item."
    ), {"items": names})
    return _finding("extraordinary_matters", title, False, message, REGULATION)


def _check_annual_deadline(assembly: Assembly) -> rules.Finding:
    key = "assembly.annual_deadline_months"
    title = gettext_noop("Annual assembly deadline")
    if assembly.kind != AssemblyKind.ANNUAL_ORDINARY:
        return _finding(key, title, True, Text(gettext_noop("Applies to the annual ordinary assembly only.")))
    coop, meeting = assembly.cooperative, _local_date(assembly.starts_at)
    year = assembly.fiscal_year or _fiscal_year_before(coop, meeting)
    fiscal_end = _fiscal_year_end(coop, year)
    months = rules.value(key, snapshot=assembly.rules)
    deadline = _annual_deadline(fiscal_end, months)
    figures = {"end": _lazy_jdate(fiscal_end), "deadline": _lazy_jdate(deadline), "months": _lazy_number(months)}
    if meeting <= deadline:
        message = Text(gettext_noop(
            "The fiscal year ended on %(end)s: the annual assembly is due by %(deadline)s (%(months)s months); this one is in time."
        ), figures)
        return _finding(key, title, True, message, blocking=False)
    figures["late"] = _lazy_number((meeting - deadline).days)
    message = Text(gettext_noop(
        "The fiscal year ended on %(end)s: the annual assembly was due by %(deadline)s (%(months)s months); this one is %(late)s days late. It may still be held; the delay is on record."
    ), figures)
    return _finding(key, title, False, message, blocking=False)


def _check_electronic(assembly: Assembly) -> rules.Finding:
    key = "assembly.electronic_requires_all_verified"
    title = gettext_noop("Electronic assembly")
    if assembly.mode == AssemblyMode.IN_PERSON:
        return _finding(key, title, True, Text(gettext_noop("An in-person assembly: the rule applies to electronic and hybrid assemblies.")))
    if not rules.value(key, snapshot=assembly.rules):
        return _finding(key, title, True, Text(gettext_noop("The rule is not in force.")))
    coop = assembly.cooperative
    if registry_selectors.all_members_verified(coop):
        return _finding(key, title, True, Text(gettext_noop("Every member is entered and verified.")))
    unverified = registry_selectors.unverified_member_count(coop)
    if unverified:
        message = Text(gettext_noop(
            "%(count)s members are not verified: an electronic or hybrid assembly is allowed only when every member is verified. Have the provincial office verify them, or hold the assembly in person."
        ), {"count": _lazy_number(unverified)})
    else:
        message = Text(gettext_noop("The cooperative has no members entered: an electronic or hybrid assembly is not allowed."))
    return _finding(key, title, False, message)


def _check_newspaper(assembly: Assembly, items: list[AgendaItem]) -> rules.Finding:
    key = "assembly.newspaper_notice_above_members"
    title = gettext_noop("Newspaper notice")
    limit = rules.value(key, snapshot=assembly.rules)
    if assembly.notice_published_at:
        members = assembly.roll_size
    else:
        members = Membership.objects.filter(cooperative=assembly.cooperative, status=MembershipStatus.ACTIVE).count()
    figures = {"count": _lazy_number(members), "limit": _lazy_number(limit)}
    if members <= limit:
        message = Text(gettext_noop("%(count)s members: a newspaper notice is needed only above %(limit)s."), figures)
        return _finding(key, title, True, message)
    if not (assembly.newspaper and assembly.newspaper_date):
        message = Text(gettext_noop(
            "%(count)s members, more than %(limit)s: the notice must also appear in a newspaper. Enter the newspaper and the date of its notice when publishing."
        ), figures)
        return _finding(key, title, False, message)
    window = rules.value(_window_key(items), snapshot=assembly.rules)
    ok, window_message = _notice_days(assembly.newspaper_date, _local_date(assembly.starts_at), window)
    message = Text(gettext_noop("Newspaper notice in %(paper)s of %(date)s. %(window)s"), {
        "paper": assembly.newspaper, "date": _lazy_jdate(assembly.newspaper_date), "window": window_message,
    })
    return _finding(key, title, ok, message)


def check_convening(assembly: Assembly) -> list[rules.Finding]:
    """Every convening rule applied to ``assembly``, each with its citation.

    The rules are the assembly's snapshot once its notice is published, today's before. The
    notice window is measured from the publication of the notice, or from today while the
    assembly is a draft. A finding with ``blocking`` set stops the notice from being published;
    a failed finding without it (a late annual assembly) is a warning.
    """
    items = list(assembly.items.order_by("position"))
    return [
        _check_agenda(assembly, items),
        _check_notice_window(assembly, items),
        _check_matters(assembly, items),
        _check_annual_deadline(assembly),
        _check_electronic(assembly),
        _check_newspaper(assembly, items),
    ]


def _refuse_if_blocked(findings: list[rules.Finding]) -> None:
    blocking = [f for f in findings if f.blocking]
    if blocking:
        raise ValidationError(
            [
                ValidationError("%(message)s (%(citation)s)", code=f.key, params={"message": f.message, "citation": f.citation})
                for f in blocking
            ]
        )


# --------------------------------------------------------------------------- convening


def _clean_assembly(cooperative, values: dict, errors: dict) -> None:
    if not (values.get("title") or "").strip():
        errors.setdefault("title", []).append(gettext("Enter a title."))
    if values.get("kind") not in AssemblyKind.values:
        errors.setdefault("kind", []).append(gettext("Choose the kind of assembly."))
    if values.get("mode") not in AssemblyMode.values:
        errors.setdefault("mode", []).append(gettext("Choose how the assembly meets."))
    _clean_times(values.get("starts_at"), values.get("ends_at"), errors)


def _clean_reason(convened_as: str, reason: str, errors: dict) -> str:
    if convened_as != SUPERVISOR:
        return ""
    if reason not in ConveningReason.values:
        errors.setdefault("reason", []).append(
            gettext("The provincial office convenes an assembly only for a reason: choose it.")
        )
    return reason


def _fiscal_year_for(cooperative, kind, starts_at) -> int | None:
    if kind != AssemblyKind.ANNUAL_ORDINARY or starts_at is None:
        return None
    return _fiscal_year_before(cooperative, _local_date(starts_at))


@transaction.atomic
def convene(
    *,
    actor: Actor,
    cooperative: Cooperative,
    kind: str,
    mode: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str = "",
    agenda: Iterable[Mapping] = (),
    reason: str = "",
) -> Assembly:
    """Create a draft assembly with its agenda.

    ``agenda``: rows ``{title, kind, matter, seats, alternates, description}``; an election row
    without seats or alternates gets :func:`election_defaults`. Officers of the cooperative convene
    it; the provincial office may too, giving a :class:`ConveningReason`.
    """
    convened_as = convening_role(actor, cooperative)
    errors: dict[str, list] = {}
    values = {"title": title, "kind": kind, "mode": mode, "starts_at": starts_at, "ends_at": ends_at}
    _clean_assembly(cooperative, values, errors)
    reason = _clean_reason(convened_as, reason, errors)
    items, agenda_errors = _clean_agenda(cooperative, agenda)
    if agenda_errors:
        errors["agenda"] = agenda_errors
    if errors:
        raise ValidationError(errors)
    assembly = Assembly.objects.create(
        cooperative=cooperative,
        kind=kind,
        mode=mode,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=(location or "").strip(),
        fiscal_year=_fiscal_year_for(cooperative, kind, starts_at),
        convened_by=acting_user(actor),
        convened_as=convened_as,
        convening_reason=reason,
    )
    _write_agenda(assembly, items)
    events.changed(
        assembly,
        events.CONVENED,
        {"kind": kind, "mode": mode, "call_number": 1, "starts_at": starts_at.isoformat(),
         "ends_at": ends_at.isoformat(), "convened_as": convened_as, "reason": reason, "items": len(items)},
        actor=actor, audit="assembly.convene", after=_state(assembly),
    )
    return assembly


@transaction.atomic
def update_assembly(*, actor: Actor, assembly: Assembly, agenda: Iterable[Mapping] | None = None, **changes) -> Assembly:
    """Change a draft: its title, kind, mode, times, place, reason and (when given) the whole agenda.

    Refused once the notice is published: the members were told what they were told.
    """
    _require_manage(actor, assembly)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    a = Assembly.objects.select_for_update().select_related("cooperative").get(pk=assembly.pk)
    if a.state != AssemblyState.DRAFT:
        raise ValidationError(_("The notice is published: the assembly and its agenda can no longer be changed."), code="not_draft")
    before = _state(a)
    errors: dict[str, list] = {}
    values = {f: getattr(a, f) for f in ("title", "kind", "mode", "starts_at", "ends_at")}
    values.update({k: v for k, v in changes.items() if k in values})
    _clean_assembly(a.cooperative, values, errors)
    reason = _clean_reason(a.convened_as, changes.get("reason", a.convening_reason), errors)
    items = None
    if agenda is not None:
        items, agenda_errors = _clean_agenda(a.cooperative, agenda)
        if agenda_errors:
            errors["agenda"] = agenda_errors
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(a, field, value.strip() if isinstance(value, str) else value)
    if "location" in changes:
        a.location = (changes["location"] or "").strip()
    a.convening_reason = reason
    a.fiscal_year = _fiscal_year_for(a.cooperative, a.kind, a.starts_at)
    a.save()
    if items is not None:
        _rewrite_agenda(a, items)
    record(actor, "assembly.update", a, before=before, after=_state(a))
    return a


def _freeze_roll(assembly: Assembly, record_date: datetime.date) -> int:
    """Copy every active membership onto the roll in one INSERT … SELECT; the rows inserted."""
    roll, membership = RollEntry._meta, Membership._meta
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(roll.db_table)} ({qn('assembly_id')}, {qn('person_id')}, {qn('membership_id')}, {qn('votes')}) "
        f"SELECT %s, m.{qn('person_id')}, m.{qn('id')}, %s FROM {qn(membership.db_table)} m "
        f"WHERE m.{qn('cooperative_id')} = %s AND m.{qn('status')} = %s AND m.{qn('joined_on')} <= %s"
    )
    with connection.cursor() as cursor:
        # One member, one vote, whatever the shareholding (LAW.md, Membership and capital).
        cursor.execute(sql, [assembly.pk, 1, assembly.cooperative_id, MembershipStatus.ACTIVE.value, record_date])
        return cursor.rowcount


@transaction.atomic
def publish_notice(*, actor: Actor, assembly: Assembly, newspaper: str = "", newspaper_date: datetime.date | None = None) -> Assembly:
    """Publish the notice of a draft assembly, in one transaction.

    Re-runs :func:`check_convening` (refused while any finding blocks), snapshots the rules in
    force today into ``assembly.rules`` (a second call keeps its first call's), sets the record
    date, freezes the voter roll (every active member, one vote each) and, in the same transaction,
    queues the notice to every member on the roll by SMS and e-mail (a broadcast, :mod:`.tasks`).
    """
    _require_manage(actor, assembly)
    a = Assembly.objects.select_for_update().select_related("cooperative").get(pk=assembly.pk)
    if a.state != AssemblyState.DRAFT:
        raise ValidationError(_("The notice of this assembly is already published."), code="not_draft")
    before = _state(a)
    today, now = timezone.localdate(), timezone.now()
    a.newspaper = (newspaper or "").strip() or a.newspaper
    a.newspaper_date = newspaper_date or a.newspaper_date
    if not (a.first_call_id and a.rules):
        # As stored (JSON: pairs become lists), so the instance returned equals what is read back.
        a.rules = {k: list(v) if isinstance(v, tuple) else v for k, v in rules.snapshot(law.ASSEMBLY_RULE_KEYS, on=today).items()}
    findings = check_convening(a)
    _refuse_if_blocked(findings)

    roll_size = _freeze_roll(a, today)
    a.record_date = today
    a.notice_published_at = now
    a.roll_size = roll_size
    a.notices_total = roll_size
    a.notices_done = 0
    a.state = AssemblyState.NOTICED
    a.save()
    events.log(
        a,
        events.NOTICE_PUBLISHED,
        {
            "published_at": now.isoformat(),
            "starts_at": a.starts_at.isoformat(),
            "newspaper": a.newspaper,
            "newspaper_date": a.newspaper_date.isoformat() if a.newspaper_date else None,
            "warnings": [f.key for f in findings if f.warning],
            "notices_total": roll_size,
        },
        actor,
    )
    events.changed(
        a, events.ROLL_FROZEN, {"record_date": today.isoformat(), "roll_size": roll_size, "votes": roll_size},
        actor=actor, audit="assembly.publish_notice", before=before, after=_state(a),
        push=("notice_published", {"roll_size": roll_size}),
    )
    broadcast(NOTICE_BROADCAST, assembly_id=a.pk)
    return a


@transaction.atomic
def convene_second_call(*, actor: Actor, first_call: Assembly, starts_at: datetime.datetime, ends_at: datetime.datetime) -> Assembly:
    """Convene the second call of a first call adjourned for want of quorum.

    Same kind, mode, place and agenda (copied), the first call's rules; the second call's quorum
    follows from ``call_number=2`` (:func:`law.quorum`). It is a draft with its own notice to
    publish (:func:`publish_notice`), which freezes its own roll.
    """
    _require_manage(actor, first_call)
    first = Assembly.objects.select_for_update().select_related("cooperative").get(pk=first_call.pk)
    if first.call_number != 1:
        raise ValidationError(_("Only a first call can be followed by a second call."), code="not_first_call")
    if first.state != AssemblyState.NO_QUORUM:
        raise ValidationError(
            _("A second call is convened only when the first call was adjourned for want of quorum."), code="not_no_quorum"
        )
    if Assembly.objects.filter(first_call=first).exists():
        raise ValidationError(_("The second call of this assembly is already convened."), code="second_call_exists")
    errors: dict[str, list] = {}
    _clean_times(starts_at, ends_at, errors)
    if errors:
        raise ValidationError(errors)
    second = Assembly.objects.create(
        cooperative=first.cooperative,
        kind=first.kind,
        call_number=2,
        first_call=first,
        mode=first.mode,
        title=first.title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=first.location,
        fiscal_year=first.fiscal_year,
        convened_by=acting_user(actor),
        convened_as=first.convened_as,
        convening_reason=first.convening_reason,
        rules=dict(first.rules),
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            assembly=second, position=item.position, title=item.title, description=item.description,
            kind=item.kind, matter=item.matter, seats=item.seats, alternates=item.alternates,
        )
        for item in first.items.order_by("position")
    )
    copy_documents(first, second)
    events.log(first, events.SECOND_CALL_CONVENED, {"second_call_id": second.pk, "starts_at": starts_at.isoformat()}, actor)
    events.changed(
        second,
        events.CONVENED,
        {"kind": second.kind, "mode": second.mode, "call_number": 2, "first_call_id": first.pk,
         "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "items": second.items.count()},
        actor=actor, audit="assembly.convene_second_call", after=_state(second),
    )
    return second


# --------------------------------------------------------------------------- the notice


def _call_label(assembly: Assembly) -> str:
    return gettext("first call") if assembly.call_number == 1 else gettext("second call")


def notice_texts(assembly: Assembly) -> tuple[str, str, str]:
    """(SMS text, e-mail subject, e-mail body) of an assembly's notice, in the active language."""
    start = timezone.localtime(assembly.starts_at)
    figures = {
        "cooperative": assembly.cooperative.name,
        "title": assembly.title,
        "kind": assembly.get_kind_display(),
        "call": _call_label(assembly),
        "mode": assembly.get_mode_display(),
        "date": format_jalali(start, persian_digits=language_uses_persian_digits(), month_names=True),
        "time": _number(start.strftime("%H:%M")),
        "place": assembly.location or assembly.get_mode_display(),
    }
    agenda = [item.title for item in assembly.items.order_by("position")]
    link = assembly_link(assembly)
    sms = gettext(
        "%(cooperative)s: %(kind)s (%(call)s), %(date)s at %(time)s, %(place)s. Agenda: %(agenda)s"
    ) % {**figures, "agenda": "؛ ".join(agenda)}
    # The link on a line of its own, last: a phone makes it tappable, whatever the text's direction.
    sms = f"{sms}\n{link}"
    subject = gettext("Notice: %(title)s, %(cooperative)s") % figures
    lines = [
        gettext("The %(kind)s of %(cooperative)s (%(call)s) is convened.") % figures,
        gettext("Title: %(title)s") % figures,
        gettext("Date and time: %(date)s at %(time)s") % figures,
        gettext("How it meets: %(mode)s") % figures,
    ]
    if assembly.location:
        lines.append(gettext("Place: %(place)s") % figures)
    lines.append(gettext("Agenda:"))
    lines += [f"{_number(n)}. {title}" for n, title in enumerate(agenda, start=1)]
    lines += ["", gettext("The assembly's page, with the agenda's documents and the candidates:"), link]
    return sms, subject, "\n".join(lines)


def assembly_link(assembly: Assembly) -> str:
    """The absolute address of the assembly's page, for messages: from ``settings.TAAVON_BASE_URL``,
    never from a request's Host header (a client chooses that one)."""
    return settings.TAAVON_BASE_URL + reverse("assemblies:detail", args=[assembly.pk])


# --------------------------------------------------------------------------- reads


def assemblies_for_user(user: Actor) -> models.QuerySet[Assembly]:
    """The assemblies ``user`` sees in lists: officials through their scope, members those they
    take part in (on the roll, or holding a live proxy)."""
    reached = scope(Assembly.objects.all(), user, Action.VIEW).values("pk")
    taking_part = participant_assemblies(user).values("pk")
    return Assembly.objects.filter(Q(pk__in=reached) | Q(pk__in=taking_part)).select_related("cooperative")


def assemblies_of(cooperative: Cooperative) -> models.QuerySet[Assembly]:
    return Assembly.objects.filter(cooperative=cooperative).annotate(item_count=Count("items")).order_by("-starts_at", "-pk")


def quorum_required(assembly: Assembly) -> dict | None:
    """The quorum the assembly needs against its roll, with the rule, once the roll is frozen."""
    if not assembly.notice_published_at or not assembly.rules:
        return None
    quorum = law.quorum(assembly.rules, assembly.kind, assembly.call_number, roll=assembly.roll_size, present=0, represented=0)
    call = "first" if assembly.call_number == 1 else "second"
    return {"required": quorum.required, "roll": quorum.roll, "citation": rules.cite(f"assembly.quorum.{law.family(assembly.kind)}.{call}")}


def delivery_summary(assembly: Assembly) -> dict:
    """Notice messages by channel and state, from the delivery log."""
    from taavon.notifications.models import OutboundMessage

    summary = {f"{channel}_{state}": 0 for channel in OutboundMessage.Channel.values for state in OutboundMessage.State.values}
    rows = (
        OutboundMessage.objects.filter(topic=notice_topic(assembly))
        .values("channel", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        summary[f"{row['channel']}_{row['state']}"] = row["n"]
    summary["sent"] = sum(v for k, v in summary.items() if k.endswith("_sent"))
    summary["failed"] = sum(v for k, v in summary.items() if k.endswith("_failed"))
    return summary


def _channels(summary: dict, done: int) -> list[dict]:
    """Per channel: sent, failed, still queued, and the members processed whom it could not reach
    (no mobile, no e-mail address). A batch logs its messages and counts its members in one
    transaction, so members processed minus messages logged is exactly those without an address."""
    from taavon.notifications.models import OutboundMessage

    rows = []
    for channel, label in OutboundMessage.Channel.choices:
        counts = {state: summary.get(f"{channel}_{state}", 0) for state in OutboundMessage.State.values}
        rows.append({
            "channel": channel,
            "label": label,
            **counts,
            "no_address": max(0, done - sum(counts.values())),
        })
    return rows


def notice_progress(assembly: Assembly) -> dict:
    """How far sending the notice has got: members done of the roll, and the delivery log."""
    a = Assembly.objects.only("notices_total", "notices_done", "notice_published_at").get(pk=assembly.pk)
    total, done = a.notices_total, min(a.notices_done, a.notices_total)
    summary = delivery_summary(a)
    return {
        "published": a.notice_published_at is not None,
        "total": total,
        "done": done,
        "percent": 100 if total == 0 else done * 100 // total,
        "complete": done >= total,
        "channels": _channels(summary, done),
        **summary,
    }


def public_notices(cooperative: Cooperative) -> list[dict]:
    """The published notices of upcoming assemblies, for the public page: plain public facts only."""
    upcoming = (
        Assembly.objects.filter(cooperative=cooperative, state=AssemblyState.NOTICED, ends_at__gte=timezone.now())
        .prefetch_related("items")
        .order_by("starts_at", "pk")
    )
    return [
        {
            "title": a.title,
            "kind": a.kind,
            "kind_label": a.get_kind_display(),
            "call_number": a.call_number,
            "call_label": _call_label(a),
            "mode": a.mode,
            "mode_label": a.get_mode_display(),
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "location": a.location,
            "notice_published_at": a.notice_published_at,
            "agenda": [item.title for item in sorted(a.items.all(), key=lambda i: i.position)],
        }
        for a in upcoming
    ]
