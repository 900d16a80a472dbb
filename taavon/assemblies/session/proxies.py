"""Proxies (وکالت): a member on the roll lets another member, or a non-member, vote for them.

The rules, each refusal stating the one it applies (legal numbers from ``Assembly.rules``):

* given by a member on the roll, for an assembly whose notice is published and whose session has
  not opened, to another member on the roll or to a non-member (who needs a registry person, with
  a mobile number, to log in with a one-time code);
* a member holder carries at most ``assembly.proxies_per_holder`` proxies besides their own vote,
  a non-member holder ``assembly.non_member_proxy_votes``; pending and confirmed proxies count;
* no chains: whoever has given their proxy cannot hold one, whoever holds one cannot give theirs;
* one live (pending or confirmed) proxy per principal (a partial unique constraint), never to
  oneself;
* revocable by the principal until the session opens, and revoked automatically when the
  principal checks in (see :func:`taavon.assemblies.session.services.check_in`);
* confirmed or refused, after an identity check, by the convening authority: the cooperative's
  officers (MANAGE) or the provincial office (SUPERVISE).

Event data: ``proxy_given`` / ``proxy_confirmed`` / ``proxy_refused`` / ``proxy_revoked``:
``proxy_id, principal: {person_id, name}, holder: {person_id, name}, holder_is_member`` and, for
refusals and revocations, ``reason``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taavon import rules
from taavon.accounts.scoping import Actor, acting_user, authenticated_user, has_authority
from taavon.audit.services import record
from taavon.core.identifiers import clean_mobile, clean_national_code
from taavon.core.persian import normalize_for_display
from taavon.core.templatetags.taavon_format import fadigits
from taavon.registry.models import Person

from .. import events
from ..models import Assembly, AssemblyState, CheckIn, Proxy, ProxyState, RollEntry
from .services import (
    LIVE_PROXY_STATES,
    REVOKED_ON_CHECK_IN,
    is_present,
    lock_people,
    person_label,
    push_attendance,
)

REVOKED_BY_PRINCIPAL = "principal_revoked"
PROXY_AUDIT_FIELDS = ("state", "holder_id", "holder_is_member", "note")


def _regulation() -> str:
    return str(rules.parameter("assembly.proxies_per_holder").reference)


def _error(field: str, message, code: str, **params) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def _data(proxy: Proxy, **extra) -> dict:
    return {
        "proxy_id": proxy.pk,
        "principal": person_label(proxy.principal.person),
        "holder": person_label(proxy.holder),
        "holder_is_member": proxy.holder_is_member,
        **extra,
    }


def _snapshot(proxy: Proxy) -> dict:
    return {field: getattr(proxy, field) for field in PROXY_AUDIT_FIELDS}


# --------------------------------------------------------------------------- reads


def proxies_given_by(assembly: Assembly, person_id):
    """Every proxy the person gave for this assembly, newest first."""
    return (
        Proxy.objects.filter(assembly=assembly, principal__person_id=person_id)
        .select_related("holder", "principal__person")
        .order_by("-created_at", "-id")
    )


def proxies_held_by(assembly: Assembly, person_id):
    """Every proxy given to the person for this assembly, newest first."""
    return (
        Proxy.objects.filter(assembly=assembly, holder_id=person_id)
        .select_related("holder", "principal__person")
        .order_by("-created_at", "-id")
    )


def pending_proxies(assembly: Assembly):
    """The convening authority's queue: proxies awaiting confirmation, oldest first."""
    return (
        Proxy.objects.filter(assembly=assembly, state=ProxyState.PENDING)
        .select_related("holder", "principal__person")
        .order_by("created_at", "id")
    )


def live_proxy_of(assembly: Assembly, person_id) -> Proxy | None:
    return proxies_given_by(assembly, person_id).filter(state__in=LIVE_PROXY_STATES).first()


def proxy_note(proxy: Proxy) -> str:
    """Why a proxy ended, as a reader should see it."""
    if proxy.note == REVOKED_ON_CHECK_IN:
        return str(_("Revoked automatically: the member checked in."))
    if proxy.note == REVOKED_BY_PRINCIPAL:
        return str(_("Revoked by the member."))
    return proxy.note


def _own_vote(person_id: int) -> Q:
    """Roll entries that are the person's own vote: theirs, checked in."""
    return Q(person_id=person_id, check_in__isnull=False)


def _represented_by(person_id: int) -> Q:
    """Roll entries the person votes for as holder: principals of their CONFIRMED proxies who have
    not checked in themselves."""
    held = Proxy.objects.filter(principal=OuterRef("pk"), holder_id=person_id, state=ProxyState.CONFIRMED)
    return Q(check_in__isnull=True) & Q(Exists(held))


def ballots_owed(assembly: Assembly, person) -> list[RollEntry]:
    """The roll entries ``person`` casts a ballot for, each one separately.

    Their own entry when they are on the roll and checked in, then the principals of the
    CONFIRMED proxies they hold who have not checked in themselves. A holder votes for principals
    only while present (checked in, or joined as a non-member holder), as the quorum counts them.
    """
    person_id = getattr(person, "pk", person)
    if not is_present(assembly, person_id):
        return []
    entries = RollEntry.objects.filter(assembly=assembly).select_related("person")
    own = list(entries.filter(_own_vote(person_id)))
    # Two queries, not one OR: each is an index probe, an OR would make the planner walk the roll.
    return own + list(entries.filter(_represented_by(person_id)).order_by("id"))


def owed_entry(assembly_id: int, person_id: int, entry_id: int) -> int | None:
    """The person on roll entry ``entry_id`` when ``person_id`` may cast its ballot now; None when not.

    The rule of :func:`ballots_owed`, for one entry, with the fewest and simplest queries (casting a
    ballot asks it): one look-up for a voter's own entry, three at most for a principal's.
    """
    entry = RollEntry.objects.filter(pk=entry_id, assembly_id=assembly_id).values_list("person_id", "check_in").first()
    if entry is None:
        return None
    entry_person, checked_in = entry
    if entry_person == person_id:
        return entry_person if checked_in is not None else None
    if checked_in is not None:
        return None  # a principal who came votes for themselves
    held = Proxy.objects.filter(principal_id=entry_id, holder_id=person_id, state=ProxyState.CONFIRMED).exists()
    return entry_person if held and is_present(Assembly(pk=assembly_id), person_id) else None


# --------------------------------------------------------------------------- giving


def _holder_for(assembly: Assembly, code: str, *, first_name: str, last_name: str, mobile: str):
    """(holder person or None to create, holder's roll entry or None, cleaned mobile, names)."""
    holder = Person.objects.filter(national_code=code).first()
    entry = RollEntry.objects.filter(assembly=assembly, person=holder).first() if holder else None
    if entry is not None:
        return holder, entry, ""
    errors = {}
    clean = ""
    if mobile:
        try:
            clean = clean_mobile(mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.error_list
    if holder is None:
        if not first_name:
            errors["first_name"] = [ValidationError(_("This person is not on the roll: enter their first name."), code="required")]
        if not last_name:
            errors["last_name"] = [ValidationError(_("This person is not on the roll: enter their last name."), code="required")]
    if not clean and not (holder and holder.mobile) and "mobile" not in errors:
        errors["mobile"] = [
            ValidationError(
                _("A holder who is not a member logs in with a one-time code sent to their mobile: enter it."),
                code="required",
            )
        ]
    if errors:
        raise ValidationError(errors)
    return holder, None, clean


@transaction.atomic
def give_proxy(
    *, actor: Actor, assembly: Assembly, holder_national_code, first_name: str = "", last_name: str = "", mobile: str = ""
) -> Proxy:
    """The logged-in member gives their proxy for ``assembly`` to the person with ``holder_national_code``.

    A holder not on the roll is a non-member holder; a registry person is created for them when
    none exists (with the names and mobile given), so they can log in with a one-time code.
    """
    assembly = Assembly.objects.select_related("cooperative").get(pk=assembly.pk)
    member = authenticated_user(actor)
    principal = (
        RollEntry.objects.filter(assembly=assembly, person_id=member.person_id).select_related("person").first()
        if member is not None and member.person_id
        else None
    )
    if principal is None:
        raise ValidationError(_("Only a member on the voter roll of this assembly can give a proxy."), code="not_on_roll")
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(
            _("A proxy can be given only after the notice is published and before the session opens."),
            code="proxy_closed",
        )
    try:
        code = clean_national_code(holder_national_code) if holder_national_code else ""
    except ValidationError as exc:
        raise ValidationError({"national_code": exc.error_list}) from None
    if not code:
        raise _error("national_code", _("Enter the national code of the person who will hold your proxy."), "required")
    if code == principal.person.national_code:
        raise _error("national_code", _("You cannot give a proxy to yourself."), "self")
    known = Person.objects.filter(national_code=code).values_list("pk", flat=True).first()
    lock_people(principal.person_id, known)
    if CheckIn.objects.filter(roll_entry=principal).exists():
        raise ValidationError(_("You have checked in: you vote yourself and can no longer give a proxy."), code="checked_in")
    existing = live_proxy_of(assembly, principal.person_id)
    if existing is not None:
        raise ValidationError(
            _("You have already given a proxy for this assembly (to %(name)s): a member gives one proxy at a time. Revoke it first."),
            code="one_proxy", params={"name": existing.holder.full_name},
        )
    if Proxy.objects.filter(assembly=assembly, holder_id=principal.person_id, state__in=LIVE_PROXY_STATES).exists():
        raise ValidationError(
            _("You hold proxies from other members, so you cannot give your own: a proxy cannot be passed on (%(rule)s)."),
            code="chain_principal_holds", params={"rule": _regulation()},
        )
    first_name, last_name = normalize_for_display(first_name), normalize_for_display(last_name)
    holder, holder_entry, clean_mobile_number = _holder_for(
        assembly, code, first_name=first_name, last_name=last_name, mobile=mobile
    )
    if holder_entry is not None and Proxy.objects.filter(principal=holder_entry, state__in=LIVE_PROXY_STATES).exists():
        raise _error(
            "national_code",
            _("%(name)s has given their own proxy to someone else, so they cannot hold one: a proxy cannot be passed on (%(rule)s)."),
            "chain_holder_gave", name=holder.full_name, rule=_regulation(),
        )
    if holder is None:
        # A new non-member holder. Two principals may name the same new person at once: the
        # second waits on the unique national code, then finds the first one's person.
        Person(national_code=code, first_name=first_name, last_name=last_name, mobile=clean_mobile_number).full_clean(
            validate_unique=False
        )
        holder, created = Person.objects.get_or_create(
            national_code=code, defaults={"first_name": first_name, "last_name": last_name, "mobile": clean_mobile_number}
        )
        if created:
            record(
                actor, "person.create", holder,
                after={"national_code": code, "first_name": first_name, "last_name": last_name, "mobile": clean_mobile_number},
                cooperative=assembly.cooperative,
            )
        lock_people(holder.pk)
    _check_cap(assembly, holder, is_member=holder_entry is not None)
    if clean_mobile_number and not holder.mobile and holder_entry is None:
        holder.mobile = clean_mobile_number
        holder.save(update_fields=["mobile"])
        record(actor, "person.update", holder, before={"mobile": ""}, after={"mobile": holder.mobile}, cooperative=assembly.cooperative)

    try:
        with transaction.atomic():
            proxy = Proxy.objects.create(
                assembly=assembly, principal=principal, holder=holder, holder_is_member=holder_entry is not None
            )
    except IntegrityError:
        raise ValidationError(
            _("You have already given a proxy for this assembly: a member gives one proxy at a time."), code="one_proxy"
        ) from None
    events.changed(assembly, events.PROXY_GIVEN, _data(proxy), actor=actor, audit="proxy.give", obj=proxy,
                   after=_snapshot(proxy))
    push_attendance(assembly)
    return proxy


def _check_cap(assembly: Assembly, holder: Person, *, is_member: bool) -> None:
    key = "assembly.proxies_per_holder" if is_member else "assembly.non_member_proxy_votes"
    cap = int(rules.value(key, snapshot=assembly.rules))
    held = Proxy.objects.filter(assembly=assembly, holder=holder, state__in=LIVE_PROXY_STATES).count()
    if held < cap:
        return
    if is_member:
        message = _(
            "%(name)s already holds %(held)s proxies: a member may carry at most %(cap)s besides their own vote (%(rule)s)."
        )
    else:
        message = _(
            "%(name)s is not on the voter roll and already holds %(held)s proxy: a non-member may carry only %(cap)s (%(rule)s)."
        )
    raise _error(
        "national_code", message, "proxy_cap",
        name=holder.full_name, held=fadigits(held), cap=fadigits(cap), rule=rules.cite(key),
    )


# --------------------------------------------------------------------------- revoking and deciding


def _locked_proxy(proxy: Proxy) -> Proxy:
    return (
        Proxy.objects.select_for_update()
        .select_related("assembly__cooperative", "holder", "principal__person")
        .get(pk=proxy.pk)
    )


@transaction.atomic
def revoke_proxy(*, actor: Actor, proxy: Proxy) -> Proxy:
    """The principal takes their proxy back, until the session opens."""
    proxy = _locked_proxy(proxy)
    member = authenticated_user(actor)
    if member is None or not member.person_id or member.person_id != proxy.principal.person_id:
        raise PermissionDenied
    if proxy.state not in LIVE_PROXY_STATES:
        raise ValidationError(
            _("This proxy is no longer in force (%(state)s)."), code="not_live", params={"state": proxy.get_state_display()}
        )
    assembly = proxy.assembly
    if assembly.state != AssemblyState.NOTICED:
        raise ValidationError(
            _("A proxy can be revoked only until the session opens. Now it ends only if you check in yourself."),
            code="revoke_closed",
        )
    before = _snapshot(proxy)
    proxy.state = ProxyState.REVOKED
    proxy.ended_at = timezone.now()
    proxy.note = REVOKED_BY_PRINCIPAL
    proxy.save(update_fields=["state", "ended_at", "note"])
    events.changed(assembly, events.PROXY_REVOKED, _data(proxy, reason=REVOKED_BY_PRINCIPAL), actor=actor,
                   audit="proxy.revoke", obj=proxy, before=before, after=_snapshot(proxy))
    push_attendance(assembly)
    return proxy


@transaction.atomic
def decide_proxy(*, actor: Actor, proxy: Proxy, confirm: bool, reason: str = "", identity_checked: bool = False) -> Proxy:
    """Confirm a pending proxy after checking both identities, or refuse it with a reason."""
    proxy = _locked_proxy(proxy)
    assembly = proxy.assembly
    if not has_authority(actor, assembly):
        raise PermissionDenied
    if proxy.state != ProxyState.PENDING:
        raise ValidationError(
            _("This proxy is no longer awaiting a decision (%(state)s)."), code="not_pending",
            params={"state": proxy.get_state_display()},
        )
    if assembly.state not in (AssemblyState.NOTICED, AssemblyState.IN_SESSION):
        raise ValidationError(
            _("Proxies are decided after the notice is published and until the session closes."), code="decide_closed"
        )
    reason = " ".join((reason or "").split())
    if confirm and not identity_checked:
        raise _error(
            "identity_checked",
            _("Confirm that you checked the identity of the member and of the holder (%(rule)s)."),
            "identity_not_checked", rule=_regulation(),
        )
    if not confirm and not reason:
        raise _error("reason", _("Give the reason for refusing the proxy: the member is told it."), "required")
    before = _snapshot(proxy)
    now = timezone.now()
    proxy.state = ProxyState.CONFIRMED if confirm else ProxyState.REFUSED
    proxy.decided_by = acting_user(actor)
    proxy.decided_at = now
    proxy.note = "" if confirm else reason[:300]
    if not confirm:
        proxy.ended_at = now
    proxy.save(update_fields=["state", "decided_by", "decided_at", "note", "ended_at"])
    if confirm:
        kind, data, audit = events.PROXY_CONFIRMED, _data(proxy), "proxy.confirm"
    else:
        kind, data, audit = events.PROXY_REFUSED, _data(proxy, reason=proxy.note), "proxy.refuse"
    events.changed(assembly, kind, data, actor=actor, audit=audit, obj=proxy, before=before, after=_snapshot(proxy))
    push_attendance(assembly)
    return proxy
