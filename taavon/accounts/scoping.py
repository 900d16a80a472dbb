"""Who may reach what: the one place scoping is decided.

Every page, API endpoint and admin list that shows cooperative data filters it through
:func:`scope` (query sets) or :func:`can` (one object). Nothing else in the code base decides
scope. An object is reached through the cooperative it belongs to:

=============  ========================================  =========================
role           VIEW (private data)                       MANAGE / SUPERVISE
=============  ========================================  =========================
officer        the cooperatives granted to them          MANAGE the same
supervisor     cooperatives in their province            SUPERVISE the same
analyst        every cooperative                         neither
administrator  every cooperative                         both, everywhere
member         nothing private (own memberships only)    neither
bank officer   nothing private (public register only)    neither
anonymous      nothing                                   neither
=============  ========================================  =========================

Objects outside a user's scope are answered with 404 so their existence does not leak; a user
whose role can never do an action gets 403 (see :func:`require_role`).
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from .models import NATIONAL_ROLES, Role


class Action(StrEnum):
    VIEW = "view"
    MANAGE = "manage"
    SUPERVISE = "supervise"


# The path from a model to its cooperative: (province field, cooperative id field).
# Models with a ``cooperative`` foreign key need no entry.
_SCOPE_FIELDS: dict[str, tuple[str, str]] = {
    "registry.cooperative": ("province_id", "id"),
    "audit.auditevent": ("province_id", "cooperative_id"),
}


# Otherwise the path is found through the first of these foreign keys the model has.
_PARENTS = (("cooperative", ""), ("assembly", "assembly__"), ("item", "item__assembly__"))


def scope_fields(model: type[Model]) -> tuple[str, str]:
    label = model._meta.label_lower
    if label in _SCOPE_FIELDS:
        return _SCOPE_FIELDS[label]
    names = {f.name for f in model._meta.get_fields()}
    for field, prefix in _PARENTS:
        if field in names:
            return f"{prefix}cooperative__province_id", f"{prefix}cooperative_id"
    raise LookupError(f"{label} has no path to a cooperative: declare it in accounts.scoping._SCOPE_FIELDS")


def _grants(user):
    if not hasattr(user, "_grant_rows"):
        user._grant_rows = list(user.grants.values("role", "cooperative_id", "province_id"))
    return user._grant_rows


def cooperative_q(user, action: Action, model: type[Model]) -> Q | None:
    """The filter selecting the rows of ``model`` that ``user`` may reach for ``action``.

    ``Q()`` means everything; ``None`` means nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    province_field, cooperative_field = scope_fields(model)
    provinces, cooperatives = set(), set()
    for grant in _grants(user):
        role = grant["role"]
        if role == Role.ADMINISTRATOR or (role in NATIONAL_ROLES and action == Action.VIEW):
            return Q()
        if role == Role.SUPERVISOR and action in (Action.VIEW, Action.SUPERVISE):
            provinces.add(grant["province_id"])
        elif role == Role.OFFICER and action in (Action.VIEW, Action.MANAGE):
            cooperatives.add(grant["cooperative_id"])
    if not provinces and not cooperatives:
        return None
    q = Q()
    if provinces:
        q |= Q(**{f"{province_field}__in": provinces})
    if cooperatives:
        q |= Q(**{f"{cooperative_field}__in": cooperatives})
    return q


def scope(queryset: QuerySet, user, action: Action = Action.VIEW) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may reach for ``action``."""
    q = cooperative_q(user, action, queryset.model)
    if q is None:
        return queryset.none()
    return queryset.filter(q) if q else queryset


def can(user, action: Action, obj: Model) -> bool:
    """Whether ``user`` may do ``action`` on ``obj`` (anything scoped through a cooperative)."""
    q = cooperative_q(user, action, type(obj))
    if q is None:
        return False
    if not q:
        return True
    return type(obj)._default_manager.filter(q, pk=obj.pk).exists()


def get_scoped_or_404(queryset: QuerySet, user, action: Action = Action.VIEW, **lookup):
    """The one object matching ``lookup`` inside the user's scope; 404 whether absent or out of scope."""
    try:
        return scope(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def has_any_scope(user, action: Action) -> bool:
    """Whether the user's roles allow ``action`` anywhere at all (pages answer 403 otherwise)."""
    from taavon.registry.models import Cooperative

    return cooperative_q(user, action, Cooperative) is not None


def require_scope(user, action: Action) -> None:
    """Raise 403 when no role of ``user`` allows ``action`` on any cooperative."""
    if not has_any_scope(user, action):
        raise PermissionDenied


def require_role(user, *roles) -> None:
    """Raise 403 unless ``user`` holds one of ``roles``."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(*roles):
        raise PermissionDenied


def scoped_provinces(user, action: Action = Action.VIEW) -> QuerySet:
    """The provinces whose every cooperative ``user`` may reach for ``action``.

    National reach gives every province, a supervisor their own; a grant on single cooperatives
    (officers) gives none. Used where no cooperative exists yet, e.g. registering a new one.
    """
    from taavon.geo.models import Province

    provinces = Province.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return provinces.none()
    ids = set()
    for grant in _grants(user):
        role = grant["role"]
        if role == Role.ADMINISTRATOR or (role in NATIONAL_ROLES and action == Action.VIEW):
            return provinces
        if role == Role.SUPERVISOR and action in (Action.VIEW, Action.SUPERVISE):
            ids.add(grant["province_id"])
    return provinces.filter(pk__in=ids)


def _participant_filters(person_id: int):
    """What makes a person a participant of an assembly: (on its roll, holding a live proxy in it),
    as filters of RollEntry and Proxy rows."""
    return {"person_id": person_id}, {"holder_id": person_id, "state__in": ["pending", "confirmed"]}


def _participant_id(user) -> int | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "person_id", None)


def participant_assemblies(user):
    """The assemblies a person takes part in: on the voter roll, or holding a live proxy.

    This is what a member reaches of an assembly (notice, check-in, ballot, receipt), whatever
    their other roles; officials reach assemblies through :func:`scope` like any other object.
    """
    from taavon.assemblies.models import Assembly, Proxy, RollEntry

    person_id = _participant_id(user)
    if not person_id:
        return Assembly.objects.none()
    on_roll, holding = _participant_filters(person_id)
    # Two EXISTS probes on (assembly, person) indexes: an OR across joins to a 1,000,000-entry roll
    # made the planner scan the roll (30 s for a member near its end).
    on_roll = RollEntry.objects.filter(assembly=OuterRef("pk"), **on_roll)
    holds = Proxy.objects.filter(assembly=OuterRef("pk"), **holding)
    return Assembly.objects.filter(Exists(on_roll) | Exists(holds))


def takes_part_in(user, assembly) -> bool:
    """Whether the user is a participant of ``assembly`` (see :func:`participant_assemblies`).

    Asked on every member request to an assembly, a ballot above all: two plain probes, the second
    only when the first fails, instead of the query set's correlated subqueries.
    """
    from taavon.assemblies.models import Proxy, RollEntry

    person_id = _participant_id(user)
    if not person_id:
        return False
    on_roll, holding = _participant_filters(person_id)
    return (
        RollEntry.objects.filter(assembly_id=assembly.pk, **on_roll).exists()
        or Proxy.objects.filter(assembly_id=assembly.pk, **holding).exists()
    )


def can_run_assembly(user, assembly) -> bool:
    """Who runs an assembly's session (opens it, opens and closes voting, closes it).

    The cooperative's officers (MANAGE), the provincial office (SUPERVISE), and the chair and
    secretary of the assembly's presiding board once recorded.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if can(user, Action.MANAGE, assembly) or can(user, Action.SUPERVISE, assembly):
        return True
    person_id = getattr(user, "person_id", None)
    return bool(person_id) and assembly.presiding_board.filter(person_id=person_id, role__in=["chair", "secretary"]).exists()


class AssemblyNeed(StrEnum):
    READ = "read"  # its pages: officials in scope, participants, the presiding board
    TAKE_PART = "take part"  # vote, check a receipt, stand as candidate: participants, or those who run it
    RUN = "run"  # open, vote on items, close: see can_run_assembly


def may_read_assembly(user, assembly, *, takes_part: bool | None = None) -> bool:
    """Whether the user may read the assembly's pages: participants, officials in scope, the
    presiding board. ``takes_part`` is :func:`takes_part_in`'s answer when the caller has it."""
    if takes_part if takes_part is not None else takes_part_in(user, assembly):
        return True
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    return can(user, Action.VIEW, assembly) or (
        bool(person_id) and assembly.presiding_board.filter(person_id=person_id).exists()
    )


def assembly_for(user, assembly_id, need: AssemblyNeed = AssemblyNeed.READ):
    """The assembly ``assembly_id`` for ``need``: 404 when the user may not even read it (so its
    existence does not leak), 403 when they may read it but not do what they asked.

    A participant is recognised first, with one probe: a member's every request (a ballot above
    all) passes here.
    """
    from taavon.assemblies.models import Assembly

    assemblies = Assembly.objects.all()
    if need != AssemblyNeed.TAKE_PART:  # pages show the cooperative; a ballot does not
        assemblies = assemblies.select_related("cooperative", "cooperative__province")
    assembly = assemblies.filter(pk=assembly_id).first()
    if assembly is None:
        raise Http404
    takes_part = takes_part_in(user, assembly)
    if not may_read_assembly(user, assembly, takes_part=takes_part):
        raise Http404
    if need == AssemblyNeed.RUN and not can_run_assembly(user, assembly):
        raise PermissionDenied
    if need == AssemblyNeed.TAKE_PART and not (takes_part or can_run_assembly(user, assembly)):
        raise PermissionDenied
    return assembly
