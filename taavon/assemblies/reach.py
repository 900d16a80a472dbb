"""The assemblies' reach policy: who takes part in, runs and reads an assembly and its minutes.

Registered in ``settings.REACH_POLICIES``; :mod:`taavon.accounts.scoping` asks it through
``scoping.may`` and ``scoping.get_or_404``. Officials reach an assembly through their role grants
on its cooperative like any other object; members reach it by taking part in it (on the voter
roll, or holding a live proxy); the presiding board by being on it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Model, OuterRef, QuerySet

from taavon.accounts.scoping import Action, ReachPolicy, can, has_authority

from .models import (
    LIVE_PROXY_STATES,
    AgendaItem,
    Assembly,
    AssemblyState,
    Minutes,
    MinutesState,
    PresidingMember,
    Proxy,
    RollEntry,
)


def _person_id(user: Any) -> int | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "person_id", None)


def participant_assemblies(user: Any) -> QuerySet:
    """The assemblies a person takes part in: on the voter roll, or holding a live proxy.

    This is what a member reaches of an assembly (notice, check-in, ballot, receipt), whatever
    their other roles; officials reach assemblies through their role grants like any other object.
    """
    person_id = _person_id(user)
    if not person_id:
        return Assembly.objects.none()
    # Two EXISTS probes on (assembly, person) indexes: an OR across joins to a 1,000,000-entry roll
    # made the planner scan the roll (30 s for a member near its end).
    on_roll = RollEntry.objects.filter(assembly=OuterRef("pk"), person_id=person_id)
    holds = Proxy.objects.filter(assembly=OuterRef("pk"), holder_id=person_id, state__in=LIVE_PROXY_STATES)
    return Assembly.objects.filter(Exists(on_roll) | Exists(holds))


def takes_part_in(user: Any, assembly: Assembly) -> bool:
    """Whether the user is a participant of ``assembly`` (see :func:`participant_assemblies`).

    Asked on every member request to an assembly, a ballot above all: two plain probes, the second
    only when the first fails, remembered on the user for the rest of the request.
    """
    person_id = _person_id(user)
    if not person_id:
        return False
    known = user.__dict__.setdefault("_takes_part", {})
    if assembly.pk not in known:
        known[assembly.pk] = (
            RollEntry.objects.filter(assembly_id=assembly.pk, person_id=person_id).exists()
            or Proxy.objects.filter(assembly_id=assembly.pk, holder_id=person_id, state__in=LIVE_PROXY_STATES).exists()
        )
    return known[assembly.pk]


def on_roll(user: Any, assembly: Assembly) -> bool:
    """Whether the user is on the assembly's voter roll themselves (not only as a proxy holder)."""
    person_id = _person_id(user)
    if not person_id:
        return False
    return RollEntry.objects.filter(assembly_id=assembly.pk, person_id=person_id).exists()


def presides(user: Any, assembly: Assembly, *roles: str) -> bool:
    """Whether the user sits on the assembly's presiding board (in one of ``roles``, when given)."""
    person_id = _person_id(user)
    if not person_id:
        return False
    members = PresidingMember.objects.filter(assembly_id=assembly.pk, person_id=person_id)
    return (members.filter(role__in=roles) if roles else members).exists()


def can_run_assembly(user: Any, assembly: Assembly) -> bool:
    """Who runs an assembly's session: authority over its cooperative, or its chair or secretary."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return has_authority(user, assembly) or presides(user, assembly, "chair", "secretary")


def may_read_assembly(user: Any, assembly: Assembly) -> bool:
    """Who reads the assembly's pages: participants, officials in scope, the presiding board."""
    return takes_part_in(user, assembly) or can(user, Action.VIEW, assembly) or presides(user, assembly)


def may_read_minutes(user: Any, minutes: Minutes) -> bool:
    """A draft is read by those who prepare and approve it; the assembly's readers read it once approved."""
    assembly = minutes.assembly
    if minutes.state != MinutesState.DRAFT:
        return may_read_assembly(user, assembly)
    return can(user, Action.VIEW, assembly) or presides(user, assembly)


class AssemblyPolicy(ReachPolicy):
    """Reach of assemblies, their rows, and their minutes."""

    def cooperative_path(self, model: type[Model]) -> tuple[str, str] | None:
        names = {f.name for f in model._meta.get_fields()}
        if model._meta.app_label != "assemblies" or "cooperative" in names:
            return None
        for field, prefix in (("assembly", "assembly__"), ("item", "item__assembly__"), ("minutes", "minutes__assembly__")):
            if field in names:
                return f"{prefix}cooperative__province_id", f"{prefix}cooperative_id"
        return None

    def allows(self, user: Any, action: Action, obj: Model) -> bool | None:
        if isinstance(obj, Assembly):
            return self._assembly(user, action, obj)
        if isinstance(obj, Minutes):
            if action == Action.VIEW:
                return may_read_minutes(user, obj)
            if action == Action.APPROVE:
                return presides(user, obj.assembly)
            return self._assembly(user, action, obj.assembly)
        if isinstance(obj, AgendaItem):
            return self._assembly(user, action, obj.assembly)
        return None

    def _assembly(self, user: Any, action: Action, assembly: Assembly) -> bool:
        if action == Action.VIEW:
            return may_read_assembly(user, assembly)
        if action == Action.ATTEND:
            return takes_part_in(user, assembly)
        if action == Action.TAKE_PART:
            return takes_part_in(user, assembly) or can_run_assembly(user, assembly)
        if action == Action.ON_ROLL:
            return on_roll(user, assembly)
        if action == Action.RUN:
            return can_run_assembly(user, assembly)
        if action == Action.APPROVE:
            return presides(user, assembly)
        return can(user, action, assembly)

    def widens(self, model: type[Model], action: Action) -> bool:
        # Participants and the presiding board read an assembly, its items and its minutes.
        return action == Action.VIEW and model in (Assembly, AgendaItem, Minutes)

    def queryset(self, model: type[Model], action: Action) -> QuerySet | None:
        if model is Assembly:
            if action in (Action.TAKE_PART, Action.ATTEND):  # a ballot: no page, no joins
                return Assembly.objects.all()
            return Assembly.objects.select_related("cooperative", "cooperative__province", "first_call")
        if model is Minutes:
            return Minutes.objects.select_related("assembly", "assembly__cooperative")
        return None


def assembly_for(user: Any, assembly_id: Any, action: Action = Action.VIEW) -> Assembly:
    """The assembly ``assembly_id`` for ``action``: 404 when the user may not read it, 403 when they may not act."""
    from taavon.accounts.scoping import get_or_404

    return get_or_404(user, Assembly, action, pk=assembly_id)


# --------------------------------------------------------------------------- what the public reads


def is_published(assembly: Assembly) -> bool:
    """Whether anyone, logged in or not, may read ``assembly``'s results and bulletin boards.

    Once the session is closed, every item's tally and ballots (receipt hashes and contents, never
    who cast them) are public, so anyone can recompute them; before that only participants and the
    officials over it read them, so no running count can sway a vote still open.
    """
    return assembly.state == AssemblyState.CLOSED


def published_assemblies() -> QuerySet:
    """Every assembly :func:`is_published` allows the public to read."""
    return Assembly.objects.filter(state=AssemblyState.CLOSED)
