"""Reads of the registry, shared by pages, API and jobs."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from taavon.accounts.scoping import Action, Actor, acting_user, get_or_404, has_any_scope, scope
from taavon.audit.actions import label as audit_label
from taavon.audit.models import AuditEvent
from taavon.core.jalali import format_jalali
from taavon.core.persian import language_uses_persian_digits, search_tokens, to_ascii_digits

from . import rules_checks
from .models import Cooperative, Membership, MembershipStatus, Person, Position, StatusChange


def memberships_of_user(user: Actor):
    """The memberships of the person linked to ``user`` (none for users without a person)."""
    person_id = acting_user(user).person_id
    if not person_id:
        return Membership.objects.none()
    return Membership.objects.filter(person_id=person_id).select_related("cooperative")


@dataclass(frozen=True, slots=True)
class MembershipOfPerson:
    """One membership found by :func:`memberships_by_national_code`: the membership and its cooperative."""

    membership_id: int
    membership_number: str
    status: str
    joined_on: datetime.date
    left_on: datetime.date | None
    verified: bool
    cooperative_id: int
    cooperative_name: str
    cooperative_national_id: str
    cooperative_status: str

    @property
    def status_label(self) -> str:
        return str(MembershipStatus(self.status).label)


def _date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def membership_lookup_sql() -> str:
    """The statement of :func:`memberships_by_national_code` (one parameter: the national code)."""
    quote = connection.ops.quote_name
    person, membership, cooperative = (quote(m._meta.db_table) for m in (Person, Membership, Cooperative))
    return (
        "SELECT m.id, m.membership_number, m.status, m.joined_on, m.left_on, m.verified_at IS NOT NULL, "
        "c.id, c.name, c.national_id, c.status "
        f"FROM {person} p JOIN {membership} m ON m.person_id = p.id JOIN {cooperative} c ON c.id = m.cooperative_id "
        "WHERE p.national_code = %s ORDER BY c.name_key, m.id"
    )


def memberships_by_national_code(national_code: str) -> list[MembershipOfPerson]:
    """Every membership of the person with ``national_code``, across cooperatives, by cooperative name.

    Lean on purpose — it is the register's hottest look-up: one statement of three index
    look-ups (person by code, memberships by person, cooperatives by id) reading ten columns,
    written once rather than compiled by the ORM on every call, and no model instances.
    ``national_code`` is the cleaned ten ASCII digits (``core.identifiers.clean_national_code``);
    a code of nobody gives ``[]``. Callers scope the result: this selector decides no reach.
    """
    with connection.cursor() as cursor:
        cursor.execute(membership_lookup_sql(), [national_code])
        rows = cursor.fetchall()
    return [
        MembershipOfPerson(mid, number, status, _date(joined), _date(left), bool(verified), cid, name, nid, cstatus)
        for mid, number, status, joined, left, verified, cid, name, nid, cstatus in rows
    ]


def memberships_in_reach(user: Actor, national_code: str) -> tuple[str, list[MembershipOfPerson]]:
    """The person's name and memberships, across the cooperatives ``user`` may see (VIEW), for an
    official checking a national code: an officer sees their own cooperatives' memberships, a
    supervisor their province's, the ministry all. ``("", [])`` when none is in reach, whether the
    person exists or not (nothing tells an official about memberships outside their scope).

    403 for a role that may see no cooperative; ``national_code`` must be cleaned already.
    """
    if not has_any_scope(user, Action.VIEW):
        raise PermissionDenied
    found = memberships_by_national_code(national_code)
    if not found:
        return "", []
    ids = {row.cooperative_id for row in found}
    visible = set(scope(Cooperative.objects.filter(pk__in=ids), user, Action.VIEW).values_list("pk", flat=True))
    rows = [row for row in found if row.cooperative_id in visible]
    if not rows:
        return "", []
    person = Person.objects.filter(national_code=national_code).only("first_name", "last_name").first()
    return (person.full_name if person else ""), rows


# --------------------------------------------------------------------------- reach


def cooperative_for(user: Actor, pk, action: Action = Action.VIEW) -> Cooperative:
    """The cooperative ``pk`` for ``action`` (see :func:`taavon.accounts.scoping.get_or_404`)."""
    return get_or_404(user, Cooperative, action, pk=pk)


# --------------------------------------------------------------------------- cooperatives


def cooperative_list(
    *,
    user: Actor,
    q: str = "",
    province=None,
    activity: str = "",
    status: str = "",
    legal_type: str = "",
) -> QuerySet[Cooperative]:
    """Cooperatives ``user`` may view, filtered. ``q`` matches the normalised name, national ID or
    registration number; ``province`` is a Province, its id (int) or its code (text)."""
    qs = scope(Cooperative.objects.select_related("province", "county"), user, Action.VIEW)
    q = (q or "").strip()
    if q:
        digits = to_ascii_digits(q).replace(" ", "").replace("-", "")
        # Every word of the query somewhere in the name, in any order.
        match = Q()
        for token in search_tokens(q):
            match &= Q(name_key__contains=token)
        if digits.isdigit():
            match |= Q(national_id=digits) | Q(registration_number=digits)
        qs = qs.filter(match)
    if province:
        if hasattr(province, "pk") or isinstance(province, int):
            qs = qs.filter(province=province)
        else:
            qs = qs.filter(province__code=to_ascii_digits(province).strip())
    if activity:
        qs = qs.filter(activity=activity)
    if status:
        qs = qs.filter(status=status)
    if legal_type:
        qs = qs.filter(legal_type=legal_type)
    return qs.order_by("name_key", "pk")


def status_history(cooperative: Cooperative) -> QuerySet[StatusChange]:
    """Status changes, newest first (by effective date, then by entry order)."""
    return cooperative.status_changes.select_related("changed_by").order_by("-effective_on", "-id")


def compliance(cooperative: Cooperative) -> list[rules_checks.Finding]:
    return rules_checks.compliance(cooperative)


# --------------------------------------------------------------------------- members


def members_of(cooperative: Cooperative, *, q: str = "", status: str = "") -> QuerySet[Membership]:
    """Memberships of ``cooperative``; ``q`` matches the national code (prefix) or the normalised name."""
    qs = Membership.objects.filter(cooperative=cooperative).select_related("person", "verified_by")
    q = (q or "").strip()
    if q:
        digits = to_ascii_digits(q).replace(" ", "").replace("-", "")
        if digits.isdigit():
            qs = qs.filter(Q(person__national_code__startswith=digits) | Q(membership_number=digits))
        else:
            for token in search_tokens(q):
                qs = qs.filter(person__name_key__contains=token)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("person__last_name", "person__first_name", "pk")


def membership_of(cooperative: Cooperative, pk) -> Membership:
    """One membership of ``cooperative`` (404 otherwise)."""
    found = members_of(cooperative).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def unverified_member_count(cooperative: Cooperative) -> int:
    """Members still in the cooperative (active or suspended) not yet verified by the provincial office."""
    return (
        Membership.objects.filter(cooperative=cooperative, verified_at__isnull=True)
        .exclude(status=MembershipStatus.LEFT)
        .count()
    )


def all_members_verified(cooperative: Cooperative) -> bool:
    """Whether every member is verified (rule assembly.electronic_requires_all_verified); False with no members."""
    has_members = Membership.objects.filter(cooperative=cooperative).exclude(status=MembershipStatus.LEFT).exists()
    return has_members and unverified_member_count(cooperative) == 0


# --------------------------------------------------------------------------- positions


def positions_of(cooperative: Cooperative, *, current: bool | None = None) -> QuerySet[Position]:
    """Positions of ``cooperative``; ``current=True`` only those not ended, ``False`` only ended ones."""
    qs = Position.objects.filter(cooperative=cooperative).select_related("person")
    if current is True:
        qs = qs.filter(ended_on__isnull=True)
    elif current is False:
        qs = qs.filter(ended_on__isnull=False)
    return qs.order_by("body", "role", "term_start", "pk")


def position_of(cooperative: Cooperative, pk) -> Position:
    found = positions_of(cooperative).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --------------------------------------------------------------------------- audit


def audit_history(cooperative: Cooperative) -> QuerySet[AuditEvent]:
    """Audit events about ``cooperative`` and everything in it, newest first."""
    return AuditEvent.objects.filter(cooperative_id=cooperative.pk).select_related("actor").order_by("-at", "-id")


# Names of what events record beside a model's own fields (the member import's counts, a
# session's facts), so the history reads in words in both languages, never a raw key.
FIELD_LABELS = {
    "unverified": _("members not verified"),
    "effective_on": _("effective on"),
    "reason": _("reason"),
    "filename": _("file"),
    "rows": _("rows"),
    "valid": _("valid rows"),
    "errors": _("rows with errors"),
    "columns": _("columns read as"),
    "remapped": _("columns changed"),
    "imported": _("members imported"),
    "people_created": _("people added to the register"),
    "skipped": _("rows left out"),
    "rejected_in_preview": _("rows refused in the preview"),
    "share_price": _("price of one share"),
    "drafted_at": _("drafted at"),
    "items": _("agenda items"),
    "approvals_cleared": _("approvals cleared"),
    "person_id": _("person"),
    "by_secretary": _("by the secretary"),
    "method": _("login method"),
    "proxies_revoked": _("proxies revoked"),
    "note": _("note"),
    "digest": _("digest"),
    "approved_at": _("approved at"),
    "seated": _("seated"),
}
# What a member file's column was read as: a field of the person or the membership, or nothing.
_COLUMN_MODELS = ("registry.person", "registry.membership")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


@dataclass(frozen=True)
class EventView:
    """An audit event as shown on the page: who, when, what, and each field before → after."""

    event: AuditEvent
    label: str
    changes: list[Change]


def _model_field(object_type: str, attname: str):
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    for field in model._meta.concrete_fields:
        if field.attname == attname or field.name == attname:
            return field
    try:
        field = model._meta.get_field(attname)
    except FieldDoesNotExist:
        return None
    # A reverse relation named like a key of the audited data is no field of the form.
    return None if field.auto_created and not field.concrete else field


EMPTY = "—"


def _column_read_as(key) -> str:
    if key == "ignore":
        return str(_("ignored"))
    for model in _COLUMN_MODELS:
        field = _model_field(model, str(key))
        if field is not None:
            return str(field.verbose_name)
    return str(key)


def _shown(field, value, attname: str = ""):
    """A stored audit value in the form people read: choice labels, Jalali dates, yes or no, a
    mapping as «key: value» pairs, a dash for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dict):
        shown = _column_read_as if attname == "columns" else (lambda v: _shown(None, v))
        return str(_(", ")).join(f"{key}: {shown(v)}" for key, v in value.items())
    if isinstance(value, list):
        return str(_(", ")).join(str(_shown(None, v)) for v in value)
    if field is not None and getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if field is not None and field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        moment = parse_datetime(value)
        if moment is not None:
            return format_jalali(moment, with_time=True, persian_digits=language_uses_persian_digits())
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return format_jalali(datetime.date.fromisoformat(value), persian_digits=language_uses_persian_digits())
        except ValueError:
            return value
    return value


def describe_event(event: AuditEvent) -> EventView:
    """``event`` with a readable action label and its changed fields named as on the forms."""
    changes = []
    for attname, before, after in event.changes():
        field = _model_field(event.object_type, attname)
        label = FIELD_LABELS.get(attname) or (field.verbose_name if field is not None else attname)
        changes.append(Change(str(label), _shown(field, before, attname), _shown(field, after, attname)))
    return EventView(event, audit_label(event.action), changes)
